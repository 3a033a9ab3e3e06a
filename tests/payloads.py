"""The hostile-markup corpus, tests/data/xss_payloads.txt: one payload a line, `\\n` for a newline
inside one, lines starting with `# ` are comments; and inert_problems(), which finds anything in a page
that could run script or load from another host. Used by the tests that send the corpus through each
path (test_rendering, test_views, test_admin, test_importing) and by test_browser_security.py."""

import re
from html.parser import HTMLParser
from pathlib import Path

from articles.rendering import ALLOWED_TAGS, SAFE_HREF

PAYLOADS = [
    line.replace("\\n", "\n")
    for line in (Path(__file__).parent / "data" / "xss_payloads.txt").read_text(encoding="utf-8").split("\n")
    if line and not line.startswith("# ")
]


SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:", "sms:")
# Our own markup beside the sanitized content: term links, section links, forms (search, share,
# the report form), QR code.
SITE_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "link",
    "script",
    "body",
    "a",
    "header",
    "nav",
    "main",
    "footer",
    "aside",
    "section",
    "article",
    "div",
    "span",
    "form",
    "label",
    "input",
    "button",
    "figure",
    "figcaption",
    "svg",
    "g",
    "path",
    "h1",
    "ol",
    "dl",
    "dt",
    "dd",
    "details",
    "summary",
    "textarea",
}


class Inspector(HTMLParser):
    """Collects everything in a page that could run script or fetch from another host."""

    def __init__(self, allowed=ALLOWED_TAGS | SITE_TAGS):
        super().__init__(convert_charrefs=True)
        self.problems, self.allowed = [], allowed

    def handle_starttag(self, tag, attrs):
        if tag not in self.allowed:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            folded = re.sub(r"[\x00-\x20]", "", value).lower()
            if name.startswith("on") or name in {"style", "srcset", "formaction", "background", "poster", "srcdoc"}:
                self.problems.append(f"<{tag} {name}>")
            if name == "href" and not (SAFE_HREF.match(value) or value.startswith("sms:")):
                self.problems.append(f"<{tag} href={value!r}> has no plain safe scheme")
            if name in {"href", "src", "action", "xlink:href", "data"}:
                if ":" in folded.split("/")[0] and not folded.startswith(SAFE_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value!r}>")
                if name != "href" and not value.startswith("/"):
                    self.problems.append(f"<{tag} {name}={value!r}> loads from elsewhere")
            if tag == "script" and name == "src" and value != "/static/js/site.js":
                self.problems.append(f"<script src={value!r}>")
            if tag == "meta" and name == "http-equiv":
                self.problems.append("<meta http-equiv>")
            if tag == "link" and name == "rel" and value not in {"stylesheet", "icon", "canonical"}:
                self.problems.append(f"<link rel={value}>")


def inert_problems(html, allowed=ALLOWED_TAGS | SITE_TAGS):
    inspector = Inspector(allowed)
    inspector.feed(str(html))
    inspector.close()
    return inspector.problems
