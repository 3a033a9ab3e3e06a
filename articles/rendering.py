"""The one path from Markdown to HTML: render_markdown -> sanitize -> link_glossary_terms.

Pure functions, no database access: callers load the glossary and pass a GlossaryMatcher in.
Articles, glossary explanations and the admin preview all go through render_article().
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension, toc

from . import checklist as _checklist
from . import markdown_limits


class RawHtmlAsText(Extension):
    """Raw HTML in staff Markdown is shown as the text it is, never passed on as markup.

    The sanitizer would otherwise drop an unclosed <script> or <style> together with everything
    after it, and turn what follows <textarea>, <title> and the like into escaped markup. Without
    these two processors such text stays text, and Markdown escapes its "<" like any other.
    """

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


MARKDOWN_EXTENSIONS = ["toc", "tables", "sane_lists", "fenced_code", RawHtmlAsText()]
# Ids the site's own pages use (templates/; a test keeps this list complete). A heading that would
# take one, e.g. "## Get help" beside the crisis banner's #get-help, gets "section-" in front instead.
RESERVED_IDS = frozenset(
    {
        "appears-title",
        "attention-title",
        "awaiting-title",
        "change-history",
        "conflict-title",
        "content-main",
        "copy-status",
        "decided-title",
        "due-title",
        "get-help",
        "get-help-title",
        "main-content",
        "mine-title",
        "next-title",
        "notfound-q",
        "report-message",
        "report-title",
        "reports-title",
        "scheduled-title",
        "search-crisis-title",
        "search-q",
        "sent-back-title",
        "share-title",
        "share-url",
        "site-name",
        "site-search-q",
        "sources-title",
        "toc-title",
        "unreviewed-title",
        "words-used-title",
    }
)
# "question-": a checklist's tick boxes (checklist.py); "questions-": the questions page's own controls.
RESERVED_ID_PREFIXES = ("word-", "letter-", _checklist.ID_PREFIX, "questions-")


def heading_id(value: str, separator: str) -> str:
    """Python-Markdown's heading id, moved aside when it would clash with an id of the page itself."""
    slug = toc.slugify(value, separator)
    if slug in RESERVED_IDS or slug.startswith(RESERVED_ID_PREFIXES):
        return f"section-{slug}"
    return slug


MARKDOWN_CONFIG = {"toc": {"toc_depth": "2-4", "slugify": heading_id}}

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "abbr",
    "sup",
    "sub",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "a",
    "code",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "caption",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    **{f"h{level}": {"id"} for level in range(2, 7)},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Stricter than the scheme list: a link must visibly start with an allowed scheme or be a
# site path, anchor or query, so obfuscated schemes ("java&#x0A;script:", "\u200bjavascript:",
# "%6Aavascript:") are dropped outright rather than left as odd relative URLs.
SAFE_HREF = re.compile(r"(?:https?://|mailto:|tel:|/(?!/)|#|\?)", re.IGNORECASE)

# Words are runs of letters/digits, optionally hyphenated ("treatment-resistant").
WORD = re.compile(r"\w+(?:-\w+)*")
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Text inside these is never turned into a term link.
NO_LINK_TAGS = HEADINGS | {"a", "code", "pre", "button", "script", "style", "textarea"}
# Text inside these is never linked either (a click on a link in a label would tick the box, or not),
# but a term used there still counts as used: the page explains it under "Words used on this page".
MENTION_ONLY_TAGS = {"label"}
WORDS_PER_MINUTE = 200
PARAGRAPHS = re.compile(r"\n[ \t]*\n")
HEADING_ID = re.compile(r'<h[1-6] id="([^"]*)"')
SECTION_LINK = re.compile(r' <a class="section-link"[^>]*>#</a>')
HREF = re.compile(r'<a\b[^>]*\bhref="([^"]*)"')
# The links _TermLinker writes (staff HTML can never carry class or data- attributes past the sanitizer).
TERM_LINK = re.compile(r'<a class="term" href="[^"]*" data-term="([^"]*)">([^<]*)</a>')


@dataclass(frozen=True)
class Term:
    """What the linker needs to know about one glossary term."""

    slug: str
    names: tuple[str, ...]
    url: str


@dataclass(frozen=True)
class Rendered:
    html: SafeString
    toc: list[dict] = field(default_factory=list)
    word_count: int = 0
    # slug -> id of the heading of the section where the term is first used ("" before any heading)
    terms_used: dict[str, str] = field(default_factory=dict)

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.word_count)


def reading_minutes(word_count: int) -> int:
    """Minutes to read at a calm pace, never less than one."""
    return max(1, round(word_count / WORDS_PER_MINUTE))


def _key(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(word.casefold() for word in words)


def name_key(name: str) -> tuple[str, ...]:
    """How a term name is matched: its words, case-folded ("TMS" == "tms")."""
    return _key(WORD.findall(name))


def singular_forms(word: str) -> list[str]:
    """The word itself, then the simple singulars it could be a plural of."""
    forms = [word]
    if word.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 3:
        forms.append(word[:-2])
    if word.endswith("s") and len(word) > 2:
        forms.append(word[:-1])
    return forms


class GlossaryMatcher:
    """Finds glossary terms in text with one hash lookup per word and phrase length.

    The index maps each name's lower-cased word tuple to its term, so the cost of a
    scan depends on the text's length (times the longest name's word count), never
    on how many terms the glossary holds.
    """

    def __init__(self, terms: Iterable[Term]):
        self.index: dict[tuple[str, ...], Term] = {}
        self.spelled: dict[tuple[str, ...], str] = {}  # key -> the name as the glossary writes it
        for term in terms:
            for name in term.names:
                key = name_key(name)
                if key and key not in self.index:
                    self.index[key] = term
                    self.spelled[key] = name
        self.longest = max((len(key) for key in self.index), default=0)

    def _matched_key(self, words: list[str]) -> tuple[str, ...] | None:
        head = _key(words[:-1])
        for last in singular_forms(words[-1].casefold()):
            if head + (last,) in self.index:
                return head + (last,)
        return None

    def _lookup(self, words: list[str]) -> Term | None:
        key = self._matched_key(words)
        return None if key is None else self.index[key]

    def name_for(self, text: str) -> str | None:
        """The name `text` matches as the linker would, spelled as the glossary writes it ("IFS" for "ifs"), or None."""
        words = WORD.findall(text)
        key = self._matched_key(words) if words else None
        return None if key is None else self.spelled[key]

    def find(self, text: str) -> Iterable[tuple[int, int, Term]]:
        """Yield (start, end, term) for the longest match at each position, left to right."""
        if not self.index:
            return
        tokens = list(WORD.finditer(text))
        i = 0
        while i < len(tokens):
            match = None
            # Grow the phrase while words are separated by whitespace only.
            span = 1
            while (
                span < self.longest
                and i + span < len(tokens)
                and text[tokens[i + span - 1].end() : tokens[i + span].start()].isspace()
            ):
                span += 1
            for length in range(span, 0, -1):
                words = [token.group() for token in tokens[i : i + length]]
                term = self._lookup(words)
                if term is not None:
                    match = (tokens[i].start(), tokens[i + length - 1].end(), term, length)
                    break
            if match is None:
                i += 1
                continue
            start, end, term, length = match
            yield start, end, term
            i += length


EMPTY_MATCHER = GlossaryMatcher([])


def render_markdown(text: str) -> tuple[str, list[dict]]:
    """Markdown to (unsanitized HTML, flat table of contents); text too costly to parse stays plain text."""
    body, toc = _converted(text or "")
    return body, [dict(entry) for entry in toc]


@functools.lru_cache(maxsize=32)
def _converted(text: str) -> tuple[str, tuple[dict, ...]]:
    """The Markdown step, remembered for the last few texts: a save's form checks (links, reading
    level) and its stored render parse the same words once."""
    if markdown_limits.problem(text) is None:
        md = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_CONFIG)
        try:
            return md.convert(text), tuple(_flatten_toc(md.toc_tokens))
        except RecursionError:
            pass
    # The form and the model fields' validator refuse such text; this keeps a page that skipped them fast and whole.
    return "\n".join(f"<p>{html.escape(block)}</p>" for block in PARAGRAPHS.split(text) if block.strip()), ()


def _flatten_toc(tokens: list[dict]) -> list[dict]:
    flat = []
    for token in tokens:
        flat.append({"id": token["id"], "name": html.unescape(token["name"]), "level": token["level"]})
        flat.extend(_flatten_toc(token["children"]))
    return flat


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href" and not SAFE_HREF.match(value):
        return None
    return value


def sanitize(fragment: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def section_link(heading_id: str, heading_text: str) -> str:
    """The "link to this section" control a therapist can copy (shown on hover and focus)."""
    label = html.escape(f"Link to this section: {heading_text}")
    return f' <a class="section-link" href="#{html.escape(heading_id)}" aria-label="{label}">#</a>'


class _TermLinker(HTMLParser):
    def __init__(self, matcher: GlossaryMatcher, exclude: str | None):
        super().__init__(convert_charrefs=True)
        self.matcher = matcher
        self.out: list[str] = []
        self.words = 0
        self.no_link_depth = 0
        self.section = ""
        self.heading: tuple[str, str, list[str]] | None = None  # (tag, id, text) of the open heading
        self.used: dict[str, str] = {}
        self.mention_depth = 0
        self.mentioned: dict[str, str] = {}  # terms used only where they are never linked
        if exclude:
            self.used[exclude] = ""

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text())
        heading_id = dict(attrs).get("id") if tag in HEADINGS else None
        if heading_id:
            self.section = heading_id
            self.heading = (tag, heading_id, [])
        if tag in NO_LINK_TAGS:
            self.no_link_depth += 1
        if tag in MENTION_ONLY_TAGS:
            self.mention_depth += 1

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if self.heading and self.heading[0] == tag:
            _, heading_id, text = self.heading
            self.out.append(section_link(heading_id, "".join(text).strip()))
            self.heading = None
        self.out.append(f"</{tag}>")
        if tag in NO_LINK_TAGS and self.no_link_depth:
            self.no_link_depth -= 1
        if tag in MENTION_ONLY_TAGS and self.mention_depth:
            self.mention_depth -= 1

    def handle_data(self, data):
        self.words += len(WORD.findall(data))
        if self.heading:
            self.heading[2].append(data)
        if self.mention_depth and not self.no_link_depth:
            for _, _, term in self.matcher.find(data):
                self.mentioned.setdefault(term.slug, self.section)
        if self.no_link_depth or self.mention_depth:
            self.out.append(html.escape(data, quote=False))
            return
        position = 0
        for start, end, term in self.matcher.find(data):
            if term.slug in self.used:
                continue
            self.used[term.slug] = self.section
            self.out.append(html.escape(data[position:start], quote=False))
            self.out.append(
                f'<a class="term" href="{html.escape(term.url)}" data-term="{html.escape(term.slug)}">'
                f"{html.escape(data[start:end], quote=False)}</a>"
            )
            position = end
        self.out.append(html.escape(data[position:], quote=False))


def link_glossary_terms(
    fragment: str, matcher: GlossaryMatcher, exclude: str | None = None
) -> tuple[str, dict[str, str], int]:
    """Link the first use of each term in sanitized HTML; return (html, terms used, word count)."""
    linker = _TermLinker(matcher, exclude)
    linker.feed(fragment)
    linker.close()
    used = {**linker.mentioned, **linker.used}  # a term linked anywhere counts where it is linked
    if exclude:
        used.pop(exclude, None)
    return "".join(linker.out), used, linker.words


def linked_terms(fragment: str) -> dict[str, str]:
    """{slug: the text its term link shows} in HTML that render_article() produced: the words
    the page really uses for each term (its first use), e.g. {"internal-family-systems": "IFS"}."""
    linked: dict[str, str] = {}
    for slug, text in TERM_LINK.findall(fragment):
        linked.setdefault(html.unescape(slug), html.unescape(text))
    return linked


def stored_html(fragment: str) -> SafeString:
    """Mark HTML that render_article() produced earlier (and the database kept) as safe."""
    # Safe: only ever called on body_html/explanation_html, which render_article() sanitized.
    return mark_safe(fragment)


def render_article(
    source: str, matcher: GlossaryMatcher = EMPTY_MATCHER, exclude: str | None = None, *, checklist: bool = False
) -> Rendered:
    """Markdown source to safe HTML with glossary links, plus its TOC, word count and terms used.
    A checklist's list items become tick boxes, made after sanitizing (checklist.py)."""
    body, toc = render_markdown(source)
    clean = sanitize(body)
    if checklist:
        clean = _checklist.add_checkboxes(clean)
    on_page = set(HEADING_ID.findall(clean))
    toc = [entry for entry in toc if entry["id"] in on_page]  # the contents list never promises a lost section
    linked, used, words = link_glossary_terms(clean, matcher, exclude)
    # Safe: built only from nh3-sanitized HTML and escaped text, with our own term links (and tick boxes).
    return Rendered(html=mark_safe(linked), toc=toc, word_count=words, terms_used=used)


def plain_text(fragment: str) -> str:
    """The readable text of an HTML fragment, one line per block."""
    fragment = SECTION_LINK.sub("", fragment)
    text = re.sub(r"<(?:/p|/li|/h[1-6]|br|/td|/th|/dd|/dt)\b[^>]*>", "\n", fragment)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def links_in(source: str) -> list[str]:
    """Every link target in the Markdown source, as the sanitized page will have it."""
    return links_in_html(render_article(source).html)


def links_in_html(fragment: str) -> list[str]:
    """Every link target in HTML that render_article() produced."""
    return [html.unescape(href) for href in HREF.findall(fragment)]
