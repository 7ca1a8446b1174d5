/* Elder-friendly mode (适老化): large text and buttons, high contrast, simpler wording. Loaded in <head> without
   defer, so the page's class is set before the first paint (no flash of small text); the choice is a cookie, so
   it holds on every page and after a reload. Plain ES5: it runs in any browser WeChat ships. */
(function () {
  "use strict";
  var NAME = "tuoyu_elder";
  var root = document.documentElement;

  function isOn() { return /(?:^|;\s*)tuoyu_elder=1(?:;|$)/.test(document.cookie); }

  root.className += (root.className ? " " : "") + "js" + (isOn() ? " elder" : "");

  // Elements with their own simpler words: data-elder (text) and data-elder-placeholder (inputs).
  function wording(on) {
    var texts = document.querySelectorAll("[data-elder]");
    for (var i = 0; i < texts.length; i++) {
      var el = texts[i];
      if (!el.hasAttribute("data-plain")) { el.setAttribute("data-plain", el.textContent); }
      el.textContent = el.getAttribute(on ? "data-elder" : "data-plain");
    }
    var inputs = document.querySelectorAll("[data-elder-placeholder]");
    for (var j = 0; j < inputs.length; j++) {
      var input = inputs[j];
      if (!input.hasAttribute("data-plain-placeholder")) {
        input.setAttribute("data-plain-placeholder", input.getAttribute("placeholder") || "");
      }
      input.setAttribute("placeholder", input.getAttribute(on ? "data-elder-placeholder" : "data-plain-placeholder"));
    }
  }

  function set(on) {
    var secure = window.location.protocol === "https:" ? "; Secure" : "";
    document.cookie = NAME + "=" + (on ? "1; Max-Age=31536000" : "; Max-Age=0") + "; Path=/; SameSite=Lax" + secure;
    root.classList.toggle("elder", on);
    wording(on);
    var toggle = document.getElementById("elder-toggle");
    if (toggle) { toggle.setAttribute("aria-pressed", on ? "true" : "false"); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.getElementById("elder-toggle");
    if (isOn()) { wording(true); }
    if (!toggle) { return; }
    toggle.setAttribute("aria-pressed", isOn() ? "true" : "false");
    toggle.addEventListener("click", function () { set(!root.classList.contains("elder")); });
  });
}());
