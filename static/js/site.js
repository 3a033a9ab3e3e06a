/* Progressive enhancement only: every page works without this file.
 *
 * Glossary toggletips: a term link (<a class="term">) becomes a toggle button that shows the
 * term's short definition in place. The definition is already on the page, in the
 * "Words used on this page" list, so nothing is fetched. Pattern: a disclosure button
 * plus a live region (Heydon Pickering's "toggletip"), Escape closes, one open at a time.
 */
(function () {
  "use strict";

  var openTip = null;

  function close(tip, restoreFocus) {
    if (!tip) return;
    tip.button.setAttribute("aria-expanded", "false");
    tip.bubble.textContent = "";
    tip.bubble.style.left = "";
    if (restoreFocus) tip.button.focus();
    if (openTip === tip) openTip = null;
  }

  function keepOnScreen(bubble) {
    var margin = 8;
    var rect = bubble.getBoundingClientRect();
    var viewport = document.documentElement.clientWidth;
    var shift = 0;
    if (rect.right > viewport - margin) shift = viewport - margin - rect.right;
    if (rect.left + shift < margin) shift = margin - rect.left;
    if (shift) bubble.style.left = shift + "px";
    // An explanation opened near the bottom of a small screen is scrolled up into view
    // (only as far as needed; instantly when the reader asks for reduced motion).
    var below = bubble.getBoundingClientRect().bottom - (window.innerHeight - margin);
    if (below > 0) {
      var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      window.scrollBy({ top: Math.ceil(below), behavior: still ? "auto" : "smooth" });
    }
  }

  function open(tip) {
    if (openTip && openTip !== tip) close(openTip, false);
    var source = document.getElementById("word-" + tip.slug);
    if (!source) return;
    var name = document.createElement("span");
    name.className = "toggletip-term";
    name.textContent = source.querySelector("dt").textContent;
    var text = document.createElement("span");
    text.textContent = " " + source.querySelector(".word-definition").textContent + " ";
    var more = source.querySelector(".word-more").cloneNode(true);
    tip.button.setAttribute("aria-expanded", "true");
    // Filled after a tick so screen readers announce the change in the live region.
    tip.bubble.textContent = "";
    window.setTimeout(function () {
      if (openTip !== tip) return; // closed again before it was filled
      tip.bubble.append(name, text, more);
      keepOnScreen(tip.bubble);
    }, 50);
    openTip = tip;
  }

  function enhance(link, index) {
    var slug = link.getAttribute("data-term");
    if (!slug || !document.getElementById("word-" + slug)) return;
    // The link stays a link (inline, so long terms wrap with the sentence; middle-click
    // still opens the term page) but acts as a disclosure button.
    var wrapper = document.createElement("span");
    wrapper.className = "toggletip";
    var bubble = document.createElement("span");
    bubble.className = "toggletip-bubble";
    bubble.id = "toggletip-" + index;
    bubble.setAttribute("role", "status");
    link.replaceWith(wrapper);
    wrapper.append(link, bubble);
    link.setAttribute("role", "button");
    link.setAttribute("aria-expanded", "false");
    link.setAttribute("aria-controls", bubble.id);

    var tip = { slug: slug, button: link, bubble: bubble, wrapper: wrapper };
    function toggle(event) {
      event.preventDefault();
      if (link.getAttribute("aria-expanded") === "true") close(tip, false);
      else open(tip);
    }
    link.addEventListener("click", toggle);
    link.addEventListener("keydown", function (event) {
      if (event.key === " " || event.key === "Spacebar") toggle(event);
    });
    // Tabbing past the explanation closes it, so it never covers what comes next.
    wrapper.addEventListener("focusout", function (event) {
      if (openTip === tip && event.relatedTarget && !wrapper.contains(event.relatedTarget)) close(tip, false);
    });
  }

  document.addEventListener("click", function (event) {
    if (openTip && !openTip.wrapper.contains(event.target)) close(openTip, false);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && openTip) close(openTip, true);
  });

  var links = document.querySelectorAll(".prose a.term[data-term]");
  for (var i = 0; i < links.length; i++) enhance(links[i], i);

  /* "Words used on this page" is a closed <details> on screen; a printed handout needs every
   * word. site.css opens it for print where the browser styles ::details-content; this covers
   * the others, then closes again what it opened. */
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    var lists = document.querySelectorAll("details.words-used-list:not([open])");
    for (var l = 0; l < lists.length; l++) {
      lists[l].open = true;
      openedForPrint.push(lists[l]);
    }
  });
  window.addEventListener("afterprint", function () {
    while (openedForPrint.length) openedForPrint.pop().open = false;
  });

  /* Copying links: the share box's button and each "link to this section" control. Both copy
   * the page's canonical address (what the server says the page is, not whatever host or query
   * the browser used), keep focus where it was, and say "Copied" on screen and to screen readers. */
  var status = document.getElementById("copy-status");
  var canonical = document.querySelector('link[rel="canonical"]');
  function announce(message) {
    // Emptied first, then filled after a tick, so the same message is announced again.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }
  window.trdAnnounce = announce; // for page scripts (questions.js): one live region, one way to speak in it
  function copy(text, message, onDone) {
    navigator.clipboard.writeText(text).then(function () {
      announce(message);
      onDone();
    }, function () {
      announce("Could not copy. The link is " + text);
    });
  }
  var buttons = document.querySelectorAll(".copy-button[data-copy-from]");
  for (var b = 0; b < buttons.length; b++) {
    (function (button) {
      var field = document.getElementById(button.getAttribute("data-copy-from"));
      if (!field || !navigator.clipboard) return;
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        copy(field.value, "Link copied.", function () {
          button.textContent = "Copied";
          window.setTimeout(function () { button.textContent = label; }, 2500);
        });
      });
    })(buttons[b]);
  }
  if (navigator.clipboard && canonical) {
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a.section-link");
      if (!link) return;
      var anchor = link.getAttribute("href");
      // The address bar shows the section's address, but focus stays on the link (following the
      // fragment would move it to the page's start for keyboard users).
      event.preventDefault();
      if (window.history && window.history.replaceState) window.history.replaceState(null, "", anchor);
      copy(canonical.href + anchor, "Link to this section copied.", function () {
        var heading = link.parentNode;
        var note = heading.querySelector(".copied-note");
        if (!note) {
          note = document.createElement("span");
          note.className = "copied-note";
          note.setAttribute("aria-hidden", "true"); // the live region says it
          heading.appendChild(note);
        }
        note.textContent = "Link copied";
        window.clearTimeout(note.timer);
        note.timer = window.setTimeout(function () { note.remove(); }, 2500);
      });
    });
  }

  /* Print: a button for phones, whose browsers hide printing in a menu. */
  if (typeof window.print === "function") {
    var printButtons = document.querySelectorAll(".print-button");
    for (var p = 0; p < printButtons.length; p++) {
      printButtons[p].hidden = false;
      printButtons[p].addEventListener("click", function () { window.print(); });
    }
  }
})();
