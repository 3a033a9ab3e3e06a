/* Progressive enhancement only: every page works without this file.
 *
 * Glossary toggletips: a term link (<a class="term">) becomes a button that shows the
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
      tip.bubble.append(name, text, more);
      keepOnScreen(tip.bubble);
    }, 50);
    openTip = tip;
  }

  function enhance(link, index) {
    var slug = link.getAttribute("data-term");
    if (!slug || !document.getElementById("word-" + slug)) return;
    var wrapper = document.createElement("span");
    wrapper.className = "toggletip";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "term";
    button.textContent = link.textContent;
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("data-term", slug);
    var bubble = document.createElement("span");
    bubble.className = "toggletip-bubble";
    bubble.id = "toggletip-" + index;
    bubble.setAttribute("role", "status");
    button.setAttribute("aria-controls", bubble.id);
    wrapper.append(button, bubble);
    link.replaceWith(wrapper);

    var tip = { slug: slug, button: button, bubble: bubble, wrapper: wrapper };
    button.addEventListener("click", function () {
      if (button.getAttribute("aria-expanded") === "true") close(tip, false);
      else open(tip);
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
})();
