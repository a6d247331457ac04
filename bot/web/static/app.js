// The Mini App's only script: read the initData Telegram puts in the address's fragment,
// follow Telegram's theme, and load the page's content with the initData as proof of who
// asks. Works without Telegram's telegram-web-app.js (offline: the emulator, the tests).
"use strict";
(function () {
  var fragment = new URLSearchParams(location.hash.slice(1));
  var initData = fragment.get("tgWebAppData") || sessionStorage.getItem("initData");
  if (!initData) return; // outside Telegram: the page says to open it from the bot
  sessionStorage.setItem("initData", initData);
  try {
    var theme = JSON.parse(fragment.get("tgWebAppThemeParams") || "{}");
    var names = {bg_color: "--bg", text_color: "--text", hint_color: "--hint",
                 link_color: "--link", button_color: "--accent"};
    Object.keys(names).forEach(function (key) {
      if (/^#[0-9a-fA-F]{3,8}$/.test(theme[key] || "")) {
        document.documentElement.style.setProperty(names[key], theme[key]);
      }
    });
  } catch (e) { /* no theme: the default colours */ }
  var views = document.body.dataset.views;
  function show(view) {
    fetch(views + view, {headers: {"X-Telegram-Init-Data": initData}})
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var content = document.getElementById("content");
        content.innerHTML = html;  // rendered on the server, every text escaped there
        content.querySelectorAll(".bar[data-share]").forEach(function (bar) {
          bar.style.width = Math.min(100, Number(bar.dataset.share) || 0) + "%";
        });
        window.scrollTo(0, 0);
      });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-view]");
    if (link) {
      event.preventDefault();
      show(link.dataset.view);
      return;
    }
    var button = event.target.closest("button[data-act]");
    if (!button) return;
    if (button.dataset.confirm && !button.dataset.armed) {
      button.dataset.armed = "1";  // a second press confirms
      button.textContent = button.dataset.confirm;
      return;
    }
    var place = button.closest(".act");
    fetch(document.body.dataset.acts + button.dataset.act, {
      method: "POST",
      headers: {"X-Telegram-Init-Data": initData, "Content-Type": "application/json"},
      body: JSON.stringify({comment: Number(button.dataset.comment)})
    }).then(function (response) { return response.text(); })
      .then(function (html) { place.innerHTML = html; });
  });
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-view]");
    if (!form) return;
    event.preventDefault();
    var view = form.dataset.view;
    var words = new FormData(form).get("q") || "";
    show(view + (view.indexOf("?") < 0 ? "?" : "&") + new URLSearchParams({q: words}));
  });
  show(document.body.dataset.first);
})();
