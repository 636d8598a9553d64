// Behaviour shared by every page, kept out of the HTML so the Content-Security-Policy can refuse
// inline scripts and event handlers.

// A filter select marked data-autosubmit submits its form when changed.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
    field.form.submit();
  }
});

// An irreversible action asks first: a submit button marked data-confirm="确定要…吗？", or an
// <option data-confirm> chosen in its form (a state that cannot be left again), shows the
// question, and the form is sent only if the person answers OK. On the submit event, so the
// browser's own checks of required fields come first.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter || form.querySelector("button:not([type]), [type=submit]");
  var message = button && button.getAttribute("data-confirm");
  if (!message) {
    var option = form.querySelector("option[data-confirm]:checked");
    message = option && option.getAttribute("data-confirm");
  }
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
