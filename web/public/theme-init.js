// Applies the saved theme (or the system's) before the app renders, so the page does not flash.
// It is a separate file because the server's Content-Security-Policy forbids inline scripts.
(function () {
  var saved = null;
  try {
    saved = window.localStorage.getItem("openlabs.theme");
  } catch (error) {
    saved = null;
  }
  var dark =
    saved === "dark" ||
    (saved !== "light" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.classList.toggle("dark", dark);
})();
