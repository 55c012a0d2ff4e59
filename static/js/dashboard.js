/* Dashboards: draw the charts (Apache ECharts, served from static/vendor/echarts) from
   the page's JSON (#dashboard-data), and show only the period fields that apply. */
(function () {
  "use strict";

  // --- the period picker: show the fields of the chosen kind ----------------------------
  var form = document.querySelector("[data-period-form]");
  if (form) {
    var kind = form.querySelector("[data-period-kind]");
    var sync = function () {
      form.querySelectorAll("[data-for]").forEach(function (el) {
        var on = el.getAttribute("data-for").split(" ").indexOf(kind.value) >= 0;
        el.hidden = !on;
        el.querySelectorAll("select, input").forEach(function (input) { input.disabled = !on; });
      });
    };
    kind.addEventListener("change", sync);
    sync();
  }

  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);

  var RED = "#b71c1c", GOLD = "#d9a21b", BLUE = "#1d4f91", GREY = "#9aa0a6", INK = "#3a3f45";
  var FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';
  var charts = [];

  function draw(id, option, onClick) {
    var el = document.getElementById(id);
    if (!el) return null;
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    option.animation = false;  // drawn at once: printable, and testable
    option.textStyle = { fontFamily: FONT, color: INK };
    chart.setOption(option);
    if (onClick) chart.on("click", onClick);
    charts.push(chart);
    return chart;
  }

  // --- monthly trend: collected and closed (bars), closure rate (line) -------------------
  var t = data.trend;
  if (t) {
    draw("trend-chart", {
      color: [BLUE, RED, GOLD],
      tooltip: { trigger: "axis" },
      legend: { data: ["收集问题（件）", "已办结（件）", "办结率（%）"], top: 0 },
      grid: { left: 48, right: 52, top: 40, bottom: 32 },
      xAxis: { type: "category", data: t.months, axisLabel: { hideOverlap: true } },
      yAxis: [
        { type: "value", name: "件", minInterval: 1 },
        { type: "value", name: "%", min: 0, max: 100, splitLine: { show: false } }
      ],
      series: [
        { name: "收集问题（件）", type: "bar", data: t.collected, barMaxWidth: 22 },
        { name: "已办结（件）", type: "bar", data: t.closed, barMaxWidth: 22 },
        { name: "办结率（%）", type: "line", yAxisIndex: 1, data: t.rate, connectNulls: false,
          symbolSize: 6, lineStyle: { width: 2 } }
      ]
    });
  }

  // --- rankings: horizontal bars, best on top, click to drill down ------------------------
  function ranking(id, block, unit, colour) {
    var el = document.getElementById(id);
    if (!el || !block || !block.labels.length) {
      if (el) el.style.display = "none";
      return;
    }
    el.style.height = Math.max(200, block.labels.length * 24 + 50) + "px";
    var labels = block.labels.slice().reverse();
    var values = block.values.slice().reverse();
    var urls = block.urls.slice().reverse();
    var lagging = (block.lagging || []).slice().reverse();
    var option = {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
        valueFormatter: function (v) { return v == null ? "—" : v + unit; } },
      grid: { left: 8, right: 56, top: block.target != null ? 24 : 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", max: unit === "%" ? 100 : null,
        axisLabel: { formatter: "{value}" + unit, hideOverlap: true } },
      yAxis: { type: "category", data: labels, axisLabel: { width: 120, overflow: "truncate" },
        triggerEvent: true },
      series: [{
        type: "bar", barMaxWidth: 16,
        data: values.map(function (v, i) {
          return { value: v, itemStyle: { color: lagging[i] ? RED : colour } };
        }),
        label: { show: true, position: "right", formatter: function (p) { return p.value == null ? "—" : p.value + unit; } }
      }]
    };
    if (block.target != null) {
      option.series[0].markLine = { symbol: "none", silent: true, lineStyle: { color: GREY, type: "dashed" },
        label: { formatter: "整体 " + block.target + "%" }, data: [{ xAxis: block.target }] };
    }
    draw(id, option, function (p) {
      var index = p.componentType === "yAxis" ? labels.indexOf(p.value) : p.dataIndex;
      if (urls[index]) window.location.href = urls[index];
    });
  }
  ranking("rate-chart", data.rate, "%", BLUE);
  ranking("activity-chart", data.activity, "", GOLD);

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
