/* Autocomplete pickers (liaison.pickers): a <select data-picker="/pick/<kind>/"> holds only
   the chosen option(s); this adds a search box above it that asks the server (at most 20
   matches a page, "更多" for the next page) and fills the select. Without JavaScript the
   select still submits what it holds. No framework. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function text(el, value) { el.textContent = value; return el; }

  function enhance(select) {
    if (select.dataset.pickerReady) return;
    select.dataset.pickerReady = "1";
    var multiple = select.multiple;
    var box = document.createElement("div");
    box.className = "picker-box";
    var input = document.createElement("input");
    input.type = "search";
    input.className = "picker-input";
    input.placeholder = select.dataset.placeholder || "";
    input.setAttribute("autocomplete", "off");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-label", (select.labels && select.labels[0] ? select.labels[0].textContent : "") + " " + input.placeholder);
    var list = document.createElement("ul");
    list.className = "picker-results";
    list.setAttribute("role", "listbox");
    list.id = (select.id || select.name) + "-results";
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    var chosen = document.createElement("div");
    chosen.className = "picker-chosen";
    select.parentNode.insertBefore(box, select);
    box.appendChild(input);
    box.appendChild(list);
    box.appendChild(chosen);
    box.appendChild(select);
    select.classList.add("picker-enhanced");
    var active = -1, next = null, lastQuery = null, controller = null;

    function showChosen() {
      chosen.innerHTML = "";
      Array.prototype.forEach.call(select.options, function (opt) {
        if (!opt.value || !opt.selected) return;
        var tag = document.createElement("span");
        tag.className = "tag picker-tag";
        text(tag, opt.textContent + " ");
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "picker-remove";
        remove.setAttribute("aria-label", "× " + opt.textContent);
        text(remove, "×");
        remove.addEventListener("click", function () {
          if (multiple) { opt.remove(); } else { select.value = ""; }
          showChosen();
          select.dispatchEvent(new Event("change", { bubbles: true }));
        });
        tag.appendChild(remove);
        chosen.appendChild(tag);
      });
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      active = -1;
    }

    function choose(item) {
      var opt = Array.prototype.find.call(select.options, function (o) { return o.value === item.id; });
      if (!opt) {
        opt = new Option(item.label, item.id, true, true);
        if (!multiple) {
          Array.prototype.slice.call(select.options).forEach(function (o) { if (o.value) o.remove(); });
        }
        select.add(opt);
      }
      opt.selected = true;
      if (!multiple) select.value = item.id;
      input.value = "";
      close();
      showChosen();
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function render(items, append) {
      if (!append) list.innerHTML = "";
      var more = list.querySelector(".picker-more");
      if (more) more.remove();
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.className = "picker-option";
        li.appendChild(text(document.createElement("span"), item.label));
        if (item.hint) li.appendChild(text(document.createElement("small"), " " + item.hint));
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(item); });
        list.appendChild(li);
      });
      if (!list.querySelector(".picker-option")) {
        var none = text(document.createElement("li"), select.dataset.none || "—");
        none.className = "picker-none";
        list.appendChild(none);
      }
      if (next) {
        var li = text(document.createElement("li"), select.dataset.more || "…");
        li.className = "picker-more";
        li.addEventListener("mousedown", function (e) { e.preventDefault(); fetchPage(lastQuery, next); });
        list.appendChild(li);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function fetchPage(query, cursor) {
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      var base = select.dataset.picker;
      var url = base + (base.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query) + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, signal: controller && controller.signal })
        .then(function (r) { return r.ok ? r.json() : { results: [], next: null }; })
        .then(function (data) {
          lastQuery = query;
          next = data.next;
          render(data.results, Boolean(cursor));
        })
        .catch(function () { /* aborted or offline: keep what is shown */ });
    }

    var search = debounce(function () { fetchPage(input.value.trim(), null); }, 250);
    input.addEventListener("input", search);
    input.addEventListener("focus", function () { if (list.hidden) fetchPage(input.value.trim(), null); });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    input.addEventListener("keydown", function (e) {
      var options = list.querySelectorAll(".picker-option");
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (!options.length) return;
        active = (active + (e.key === "ArrowDown" ? 1 : -1) + options.length) % options.length;
        options.forEach(function (o, i) { o.classList.toggle("active", i === active); o.setAttribute("aria-selected", i === active); });
      } else if (e.key === "Enter" && active >= 0 && !list.hidden) {
        e.preventDefault();
        options[active].dispatchEvent(new MouseEvent("mousedown"));
      } else if (e.key === "Escape") {
        close();
      }
    });
    showChosen();
  }

  function init(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("select[data-picker]"), enhance);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(); });
  } else {
    init();
  }
  window.liaisonPickers = { init: init };
})();
