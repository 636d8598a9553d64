// Behaviour shared by every page, kept out of the HTML so the Content-Security-Policy can refuse
// inline scripts and event handlers.

// A filter select marked data-autosubmit submits its form when changed.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
    field.form.submit();
  }
});
