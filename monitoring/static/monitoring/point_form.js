/* The new point form: choosing a kind fills its documented defaults (monitoring.kinds). */
(function () {
  "use strict";
  function init() {
    var source = document.getElementById("kind-defaults");
    var kind = document.getElementById("id_kind");
    if (!source || !kind) return;
    var defaults = JSON.parse(source.textContent);
    kind.addEventListener("change", function () {
      var values = defaults[kind.value] || {};
      Object.keys(values).forEach(function (name) {
        var input = document.getElementById("id_" + name);
        if (input) input.value = values[name] === null ? "" : values[name];
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
