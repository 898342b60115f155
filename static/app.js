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

// Lines ticked for a bulk change: the bar at the foot shows how many, or that every line the
// filter matches is chosen; it hides when none is.
(function () {
  function update() {
    var bar = document.getElementById("bulk-bar");
    if (!bar) { return; }
    var all = document.getElementById("pick-all-input");
    var ticked = document.querySelectorAll("input[data-pick]:checked").length;
    var count = document.getElementById("picked-count");
    if (all && all.value === "1") {
      var button = document.getElementById("pick-all");
      count.textContent = button ? button.getAttribute("data-total") : ticked;
    } else {
      count.textContent = ticked;
    }
    bar.hidden = ticked === 0 && !(all && all.value === "1");
    document.body.classList.toggle("with-bar", !bar.hidden);
  }
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t.hasAttribute && t.hasAttribute("data-pick-page")) {
      document.querySelectorAll("input[data-pick]").forEach(function (box) { box.checked = t.checked; });
    }
    if (t.hasAttribute && (t.hasAttribute("data-pick") || t.hasAttribute("data-pick-page"))) {
      var all = document.getElementById("pick-all-input");
      if (all && !t.checked) { all.value = ""; }
      update();
    }
  });
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest && ev.target.closest("#pick-all");
    if (!button) { return; }
    document.getElementById("pick-all-input").value = "1";
    document.querySelectorAll("input[data-pick], input[data-pick-page]").forEach(function (box) { box.checked = true; });
    button.textContent = button.getAttribute("data-done");
    button.disabled = true;
    update();
  });
  // A new page of the table (htmx) starts with nothing ticked.
  document.addEventListener("htmx:afterSwap", update);
})();

// A choice that shows only the fields it needs (data-for lists the choices a field is for).
(function () {
  function show(select) {
    var form = select.form;
    form.querySelectorAll("[data-for]").forEach(function (field) {
      var wanted = field.getAttribute("data-for").split(" ").indexOf(select.value) >= 0;
      field.hidden = !wanted;
      var next = field.nextElementSibling;
      if (next && next.classList.contains("field-error")) { next.hidden = !wanted; }
    });
  }
  document.addEventListener("change", function (ev) {
    if (ev.target.hasAttribute && ev.target.hasAttribute("data-shows-fields")) { show(ev.target); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-shows-fields]").forEach(show);
  });
})();
