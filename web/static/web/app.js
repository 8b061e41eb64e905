// The app's little script. No inline scripts anywhere (the Content-Security-Policy forbids
// them); behaviour is declared with htmx attributes, and what htmx cannot express lives here.

// The header search's live results close with Escape, when the keyboard leaves the search, or
// on a click elsewhere (not on focusout alone: some browsers do not focus a clicked link, and
// the panel would vanish under the click).
(() => {
  const live = () => document.getElementById("search-live");
  const close = () => live()?.replaceChildren();
  document.addEventListener("keydown", (event) => {
    const search = event.target.closest?.(".app-search");
    if (event.key === "Escape" && search && live()?.childElementCount) {
      close();
      document.getElementById("header-search")?.focus();
    }
  });
  document.addEventListener("focusout", (event) => {
    const search = event.target.closest?.(".app-search");
    if (search && event.relatedTarget && !search.contains(event.relatedTarget)) close();
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest?.(".app-search")) close();
  });
})();
