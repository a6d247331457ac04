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
  fetch(document.body.dataset.view, {headers: {"X-Telegram-Init-Data": initData}})
    .then(function (response) { return response.text(); })
    .then(function (html) { document.getElementById("content").innerHTML = html; });
})();
