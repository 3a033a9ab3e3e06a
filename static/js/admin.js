/* Staff admin: keyboard users can always leave the Markdown editor.
 *
 * markdownx turns Tab inside its textarea into "indent this line", which traps anyone who moves
 * through the form with the keyboard (WCAG 2.1.2, no keyboard trap). This listener runs first,
 * in the capture phase at the window, and stops markdownx from seeing Tab, so Tab and Shift+Tab
 * move focus as everywhere else. Indent Markdown with spaces.
 */
(function () {
  "use strict";
  window.addEventListener(
    "keydown",
    function (event) {
      if (event.key !== "Tab" || event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      if (target && target.matches && target.matches(".markdownx textarea, textarea.markdownx-editor")) {
        event.stopImmediatePropagation();
      }
    },
    true
  );

  // The live preview is for reading: its links (glossary terms, sections) stay out of the tab
  // order and cannot be followed away from an unsaved form.
  function quietPreviews() {
    document.querySelectorAll(".markdownx-preview").forEach(function (preview) {
      preview.inert = true;
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", quietPreviews);
  } else {
    quietPreviews();
  }
})();
