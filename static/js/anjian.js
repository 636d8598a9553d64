// Behaviour shared by every page, kept out of the HTML so the Content-Security-Policy can refuse
// inline scripts and event handlers.

// A filter select marked data-autosubmit submits its form when changed.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
    field.form.submit();
  }
});

// An htmx request whose answer is not swapped in (a 403, a 404, a server error) or that got no
// answer at all (no network) is never a silent failure: the Chinese reason goes into the status
// element named by the closest [data-htmx-status] (a CSS selector within it), else into an alert
// at the top of the page; a request that would have changed something says 未保存 first.
// Refusals that come with their fragment (409, 413, 422) are swapped in
// by htmx itself (htmx-config in templates/base.html).
function showHtmxFailure(event, text) {
  var elt = event.detail && event.detail.elt;
  var scope = elt && elt.closest ? elt.closest("[data-htmx-status]") : null;
  var slot = scope ? scope.querySelector(scope.getAttribute("data-htmx-status")) : null;
  var note = document.createElement(slot ? "span" : "div");
  note.className = slot ? "text-danger htmx-failure" : "alert alert-danger htmx-failure";
  note.setAttribute("role", "alert");
  var config = event.detail && event.detail.requestConfig;
  var verb = config && config.verb ? config.verb.toLowerCase() : "get";
  note.textContent = (verb === "get" ? "" : "未保存：") + text;
  if (slot) {
    slot.replaceChildren(note);
  } else {
    var main = document.querySelector("main");
    if (main) main.prepend(note);
  }
}

document.addEventListener("htmx:responseError", function (event) {
  var status = event.detail.xhr ? event.detail.xhr.status : 0;
  var text;
  if (status === 403) {
    text = "您无权进行此操作，或页面已过期，请刷新页面后重试";
  } else if (status === 404) {
    text = "对象不存在或不在您的管辖范围内，请刷新页面";
  } else {
    text = "服务器出错（" + status + "），请稍后重试";
  }
  showHtmxFailure(event, text);
});

document.addEventListener("htmx:sendError", function (event) {
  showHtmxFailure(event, "网络连接失败，请检查网络后重试");
});

// A session that has ended: the request was sent on to the log-in page, which must not be
// swapped into a part of the page. Nothing was saved; the page stays as it is and says so.
document.addEventListener("htmx:beforeSwap", function (event) {
  var xhr = event.detail.xhr;
  if (!xhr || !xhr.responseURL) return;
  if (new URL(xhr.responseURL).pathname === "/accounts/login/") {
    event.detail.shouldSwap = false;
    showHtmxFailure(event, "登录已过期，请刷新页面重新登录");
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
