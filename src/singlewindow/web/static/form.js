// Declaration form: picker lists close on Escape, on leaving the picker and after a choice;
// "download JSON to sign" is a plain form post (a file download, not an htmx swap).
(function () {
  "use strict";
  function closeList(picker) {
    var slot = picker && picker.querySelector(".picker-slot");
    if (slot) { slot.innerHTML = ""; }
    var input = picker && picker.querySelector("input[role=combobox]");
    if (input) { input.setAttribute("aria-expanded", "false"); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var picker = event.target.closest && event.target.closest(".picker");
    if (picker) { closeList(picker); }
  });
  document.addEventListener("focusout", function (event) {
    var picker = event.target.closest && event.target.closest(".picker");
    if (!picker) { return; }
    setTimeout(function () {
      if (!picker.contains(document.activeElement)) { closeList(picker); }
    }, 150);
  });
  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("[data-pick-value]");
    if (option) { closeList(option.closest(".picker")); }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var slot = event.detail.target;
    if (slot && slot.classList && slot.classList.contains("picker-slot")) {
      var input = slot.parentNode.querySelector("input[role=combobox]");
      if (input) { input.setAttribute("aria-expanded", slot.children.length ? "true" : "false"); }
    }
  });
  document.addEventListener("htmx:confirm", function (event) {
    var trigger = event.detail.triggeringEvent;
    var submitter = trigger && trigger.submitter;
    if (!submitter || submitter.value !== "export_json") { return; }
    event.preventDefault();
    var form = submitter.form;
    var hidden = document.createElement("input");
    hidden.type = "hidden"; hidden.name = "action"; hidden.value = "export_json";
    form.appendChild(hidden);
    HTMLFormElement.prototype.submit.call(form);
    form.removeChild(hidden);
  });
})();
