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
// users land on the error.
document.addEventListener("htmx:afterSwap", (event) => {
  const invalid = event.detail.target.querySelector(".is-invalid");
  if (invalid) { invalid.focus(); }
});
