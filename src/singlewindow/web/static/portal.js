// Single Window portal glue: CSRF header on htmx requests, htmx swaps 4xx answers (they carry
// the findings to show), focus moves to the new content, charts from data attributes.
(function () {
  "use strict";
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrf();
    if (token) { event.detail.headers["X-CSRF-Token"] = token; }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status >= 400 && status < 500) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });
  function drawCharts(root) {
    if (typeof window.Chart === "undefined") { return; }
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) { return; }
      canvas.dataset.drawn = "1";
      var config = JSON.parse(canvas.dataset.chart);
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
      new window.Chart(canvas, config);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawCharts(event.detail.elt); });
  // A picker: choosing an option writes its code into the target input and closes the list.
  document.addEventListener("click", function (event) {
    var option = event.target.closest("[data-pick-value]");
    if (!option) { return; }
    event.preventDefault();
    var input = document.getElementById(option.dataset.pickTarget);
    if (input) {
      input.value = option.dataset.pickValue;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      input.focus();
    }
    var list = option.closest(".picker-options");
    if (list) { list.innerHTML = ""; }
  });
  // Confirm before destructive actions: <button data-confirm="text">.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) { event.preventDefault(); }
  }, true);
})();
