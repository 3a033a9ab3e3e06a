"""A checklist page's stored HTML: each question (an item of a top-level list) becomes a tick box.

rendering.render_article() calls this for articles of kind "checklist", after the nh3 sanitizer and
before glossary linking. The tick boxes are made here, from the sanitized HTML, so staff Markdown
itself can still never produce a form control. Nothing is submitted anywhere: a box is ticked in
the reader's browser only, and the printout leaves out what is not ticked (static/css/questions.css).

The output, per question:  <li class="question"><input type="checkbox" id="question-3" autocomplete="off">
<label for="question-3">Could augmentation help me?</label></li>
(autocomplete="off": a browser does not bring the ticks back when the page is reloaded.)
and each `##` section is wrapped in <div class="question-group"> so a printout can leave out a group
with nothing ticked. A nested list stays a plain list below its question's label; an item with no
words keeps no tick box (a box without a label would be unusable with a screen reader).
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

ID_PREFIX = "question-"  # rendering.RESERVED_ID_PREFIXES keeps headings off these ids
LISTS = {"ul", "ol"}
# Inside a label only phrasing content is allowed; these end the label (the item keeps them after it).
BLOCKS = {"blockquote", "pre", "table", "dl", "hr", "h2", "h3", "h4", "h5", "h6", "ul", "ol"}


class _Checklist(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists = 0  # open <ul>/<ol> elements
        self.count = 0
        self.group_open = False
        self.item: list[str] | None = None  # the open question's markup, inside its label first
        self.label_open = False
        self.label_has_words = False
        self.after_label: list[str] = []  # what follows the label inside the item (a nested list)

    # Where text goes: the open label, after it, or the page.

    def emit(self, text: str) -> None:
        if self.item is None:
            self.out.append(text)
        elif self.label_open:
            self.item.append(text)
        else:
            self.after_label.append(text)

    def handle_starttag(self, tag, attrs):
        if tag == "h2" and self.lists == 0:
            self.out.append("</div>\n" if self.group_open else "")
            self.out.append('<div class="question-group">\n')
            self.group_open = True
        if self.item is not None and self.label_open:
            if tag == "p":
                if self.label_has_words:
                    self.item.append(" ")  # a loose list's paragraphs run on inside the label
                return
            if tag in BLOCKS:
                self.label_open = False
        if tag == "li" and self.lists == 1 and self.item is None:
            self.item, self.label_open, self.label_has_words, self.after_label = [], True, False, []
            return
        if tag in LISTS:
            self.lists += 1
        self.emit(self.get_starttag_text())

    def handle_startendtag(self, tag, attrs):
        self.emit(self.get_starttag_text())

    def handle_endtag(self, tag):
        if tag == "li" and self.lists == 1 and self.item is not None:
            self.close_item()
            return
        if tag == "p" and self.item is not None and self.label_open:
            return
        if tag in LISTS:
            self.lists = max(0, self.lists - 1)
        self.emit(f"</{tag}>")

    def handle_data(self, data):
        if self.item is not None and self.label_open and data.strip():
            self.label_has_words = True
        if self.item is not None and self.label_open and not self.label_has_words:
            return  # the whitespace before the words (a loose item's newline) is layout
        self.emit(html.escape(data, quote=False))

    def close_item(self) -> None:
        words = "".join(self.item).strip()
        rest = "".join(self.after_label)
        if self.label_has_words:
            self.count += 1
            box = f"{ID_PREFIX}{self.count}"
            self.out.append(
                f'<li class="question"><input type="checkbox" id="{box}" autocomplete="off"> '
                f'<label for="{box}">{words}</label>{rest}</li>'
            )
        else:
            self.out.append(f"<li>{words}{rest}</li>")
        self.item, self.label_open, self.after_label = None, False, []

    def result(self) -> str:
        if self.item is not None:  # an item left open by broken markup still gets its box
            self.close_item()
        if self.group_open:
            self.out.append("</div>\n")
        return "".join(self.out)


def add_checkboxes(fragment: str) -> str:
    """Sanitized checklist HTML with a tick box and label for each question, grouped by `##` section."""
    parser = _Checklist()
    parser.feed(fragment)
    parser.close()
    return parser.result()
