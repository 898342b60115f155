// Confirm destructive forms (data-confirm) before they are sent.
document.addEventListener("submit", function (ev) {
  var msg = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { ev.preventDefault(); }
});

// The menu on a phone: the button opens the navigation; the backdrop, Escape or a link close it.
(function () {
  function setOpen(open) {
    document.body.classList.toggle("nav-open", open);
    var button = document.querySelector(".menu-toggle");
    if (button) { button.setAttribute("aria-expanded", open ? "true" : "false"); }
    var backdrop = document.querySelector("[data-nav-close]");
    if (backdrop) { backdrop.hidden = !open; }
  }
  document.addEventListener("click", function (ev) {
    if (ev.target.closest(".menu-toggle")) {
      setOpen(!document.body.classList.contains("nav-open"));
    } else if (ev.target.closest("[data-nav-close]") || ev.target.closest(".side a")) {
      setOpen(false);
    }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { setOpen(false); }
  });
})();

// A select that shows a part of its form only for one choice: the token's rights, departments
// and lines matter only for a token by rights.
document.addEventListener("change", function (ev) {
  var target = ev.target.getAttribute && ev.target.getAttribute("data-shows-rights");
  var part = target && document.querySelector(target);
  if (part) { part.hidden = ev.target.value !== "rights"; }
});
