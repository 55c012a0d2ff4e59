// The role form of the account pages: show only the scope field the chosen role needs
// (accounts.models.ROLE_SCOPE_FIELD); without JavaScript every field shows and the
// server keeps only the right one.
(function () {
  "use strict";
  var SCOPE = {
    liaison_officer: "station",
    station_head: "region",
    county_staff: "region",
    city_staff: "region",
    deputy: "deputy",
    handling_unit: "handling_unit",
    admin: null
  };
  var NAMES = ["station", "region", "deputy", "handling_unit"];
  document.querySelectorAll("form").forEach(function (form) {
    var role = form.querySelector("select[name=role]");
    if (!role) return;
    function update() {
      var wanted = SCOPE[role.value];
      NAMES.forEach(function (name) {
        var input = form.querySelector("[name=" + name + "]");
        var field = input && input.closest(".field");
        if (field) field.hidden = name !== wanted;
      });
    }
    role.addEventListener("change", update);
    update();
  });
})();
