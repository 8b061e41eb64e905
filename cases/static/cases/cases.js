// The case pages' script (no inline scripts: the Content-Security-Policy forbids them).
// A form the person must correct comes back as 400/403/409 with the section to show again:
// htmx leaves error responses unswapped unless told, and then the messages would be lost.
document.addEventListener("htmx:beforeSwap", (event) => {
  if ([400, 403, 409, 412].includes(event.detail.xhr.status)) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// After a section is swapped in, move focus to its first message (a correction to make, or the
// confirmation), so keyboard and screen-reader users land where the answer is.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (!target || !target.matches || !target.matches("section.app-section")) return;
  const section = document.getElementById(target.id) || target;
  const message = section.querySelector(".ds-validation-message, .ds-alert[role=alert], .app-section-message .ds-alert");
  if (message) {
    const field = message.closest(".ds-field, .ds-fieldset");
    const input = field && field.querySelector("input, select, textarea");
    (input || message).focus({ preventScroll: false });
  }
});

// One confirmation at a time: when a section answers, earlier confirmations elsewhere go.
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (!target || !target.matches || !target.matches("section.app-section")) return;
  document.querySelectorAll("section.app-section .app-section-message").forEach((box) => {
    if (!target.contains(box)) box.replaceChildren();
  });
});
