// Small enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Ask before leaving a form with unsaved changes (field staff lose work otherwise).
  document.querySelectorAll("form[data-warn-unsaved]").forEach((form) => {
    let dirty = false;
    form.addEventListener("input", () => { dirty = true; });
    form.addEventListener("submit", () => { dirty = false; });
    window.addEventListener("beforeunload", (event) => {
      if (dirty) { event.preventDefault(); }
    });
  });
});

// After an htmx swap, move focus to the first invalid field so keyboard and screen-reader
// users land on the error. An outerHTML swap replaces the target, so look it up again by id.
document.addEventListener("htmx:afterSettle", (event) => {
  const id = event.detail.target && event.detail.target.id;
  const root = (id && document.getElementById(id)) || document;
  const invalid = root.querySelector(".is-invalid");
  if (invalid) { invalid.focus(); }
});
