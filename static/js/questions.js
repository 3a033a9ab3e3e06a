/* The questions page ("Questions for your next appointment"): progressive enhancement only.
 *
 * Without this file the page is already a checklist to tick and print (questions.css leaves out
 * what is not ticked). With it, a reader can add questions of their own, remove them, print, and
 * copy the list as plain text. Everything stays in this page's memory: nothing is sent, stored
 * (no cookies, no localStorage) or fetched, so a shared device keeps no trace once the page closes.
 */
(function () {
  "use strict";

  var page = document.querySelector(".checklist");
  if (!page) return;
  var list = document.getElementById("questions-own-list");
  var input = document.getElementById("questions-own-input");
  var addButton = document.getElementById("questions-own-add");
  var copyButton = document.getElementById("questions-copy");
  var announce = window.trdAnnounce; // site.js, loaded first
  var added = 0;

  function words(element) {
    return element.textContent.replace(/\s+/g, " ").trim();
  }

  function headingText(heading) {
    var copy = heading.cloneNode(true);
    var link = copy.querySelector(".section-link");
    if (link) link.remove();
    return words(copy);
  }

  function addOwn() {
    var text = input.value.replace(/\s+/g, " ").trim();
    if (!text) {
      announce("Type a question first.");
      input.focus();
      return;
    }
    added += 1;
    var id = "questions-own-" + added;
    var item = document.createElement("li");
    item.className = "question own-question";
    var box = document.createElement("input");
    box.type = "checkbox";
    box.id = id;
    box.checked = true;
    box.autocomplete = "off";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = text;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "own-remove";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", "Remove: " + text);
    remove.addEventListener("click", function () {
      item.remove();
      input.focus();
      announce("Removed: " + text);
    });
    item.append(box, " ", label, " ", remove);
    list.append(item);
    input.value = "";
    input.focus();
    announce("Added and ticked: " + text);
  }

  /* What is copied is what prints: the ticked questions (own ones included) under their headings,
   * or, with nothing ticked, the whole list. Then the page's address, so the list can be found again. */
  function listAsText() {
    var anyTicked = page.querySelector(".question input:checked") !== null;
    var lines = [words(page.querySelector("h1"))];
    var lastHeading; // undefined: no group yet (questions before the first heading have none)
    var count = 0;
    var questions = page.querySelectorAll(".question");
    for (var i = 0; i < questions.length; i++) {
      var question = questions[i];
      var box = question.querySelector("input[type=checkbox]");
      if (anyTicked && !box.checked) continue;
      var group = question.closest(".question-group, .own-questions");
      var heading = group ? group.querySelector("h2") : null;
      if (heading !== lastHeading) {
        lines.push("");
        if (heading) lines.push(headingText(heading));
        lastHeading = heading;
      }
      lines.push("- " + words(question.querySelector("label")));
      count += 1;
    }
    lines.push("", page.getAttribute("data-page-url"));
    return { text: lines.join("\n") + "\n", count: count };
  }

  page.classList.add("is-enhanced");
  page.querySelector(".own-add").hidden = false;
  page.querySelector(".checklist-actions").hidden = false;

  addButton.addEventListener("click", addOwn);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      addOwn();
    }
  });


  if (navigator.clipboard && navigator.clipboard.writeText) {
    copyButton.hidden = false;
    copyButton.addEventListener("click", function () {
      var copied = listAsText();
      // Focus stays on the button: the reader can copy again or move on from where they are.
      navigator.clipboard.writeText(copied.text).then(function () {
        copyButton.textContent = "Copied";
        announce("Copied " + copied.count + (copied.count === 1 ? " question" : " questions") + " and this page’s address.");
        window.setTimeout(function () { copyButton.textContent = "Copy list"; }, 2000);
      }, function () {
        announce("Could not copy. Print the list instead, or select the questions and copy them.");
      });
    });
  }
})();
