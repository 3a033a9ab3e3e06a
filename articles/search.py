"""Search for a worried reader: crisis help first, the words patients use, typos forgiven.

1. The query is cleaned (control characters, length) and split into words.
2. If it is about suicide, self-harm, wanting to die or being unsafe (crisis.py), the page shows
   the crisis help above everything else.
3. A misspelt word is matched to the closest word the guide uses (rapidfuzz over the indexed
   vocabulary, the same on both databases), offered as "Did you mean ...?" and searched too.
4. The words patients use become the guide's: a glossary name or alias brings in its term, and
   staff's synonym list (Synonym, edited in the admin) maps brand names and lay phrases.
5. search_index.find() matches whole, stemmed words (never inside other words) on SQLite FTS5 or
   PostgreSQL full-text, any word counting, so a question ranks the passages that answer it.
   A term named by the query (an abbreviation like ECT, or an alias) comes first.
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import urlencode

import snowballstemmer
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from rapidfuzz import fuzz, process

from . import content_version, crisis, rendering, search_index
from .models import Article, GlossaryTerm, SearchEntry, Synonym

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
MAX_RESULTS = 20
TYPO_SCORE = 80  # rapidfuzz ratio (0-100) for a word to count as a misspelling of another
TYPO_MIN_LENGTH = 4
# NUL and other control characters are refused by PostgreSQL and mean nothing to a reader.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
NAMED_BOOST = 1000  # a term the query names outranks every passage that merely mentions it

# Words that carry no meaning in a question ("what is the best treatment for me").
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most
    my myself no nor not now of off on once only or other our ours ourselves out over own same she should
    so some such than that the their theirs them themselves then there these they this those through to
    too under until up very was we were what when where which while who whom why will with would you
    your yours yourself yourselves get got really tell know mean means help""".split()
)


@dataclass(frozen=True)
class Result:
    kind: str  # "Guide section" or "Glossary term"
    title: str
    url: str
    context: str  # e.g. "Part 2: Why Doesn’t Treatment Work for Everyone?"
    passage: SafeString
    score: float


@dataclass
class Search:
    query: str = ""
    results: list[Result] = field(default_factory=list)
    crisis: bool = False
    did_you_mean: str = ""  # the corrected query, if a word looked misspelt
    suggested_terms: list[GlossaryTerm] = field(default_factory=list)  # when nothing was found
    parts: list[Article] = field(default_factory=list)  # when nothing was found


def clean_query(raw: str) -> str:
    """The query as searched and shown back: control characters removed, spaces collapsed, length capped."""
    return " ".join(CONTROL.sub(" ", raw or "")[:MAX_QUERY_LENGTH].split())


def search(raw: str) -> Search:
    found = Search(query=clean_query(raw))
    words = rendering.WORD.findall(found.query)[:MAX_WORDS]
    if not words:
        return found
    found.crisis = crisis.is_crisis(found.query)
    meaningful = [w for w in words if w.casefold() not in STOPWORDS] or words
    corrections = _corrections(meaningful)
    if corrections:
        found.did_you_mean = " ".join(corrections.get(w.casefold(), w) for w in words)
    searched = list(dict.fromkeys([*meaningful, *corrections.values()]))
    phrases, named = _expansions(" ".join([found.query, found.did_you_mean]))
    hits = dict(search_index.find(searched, phrases))
    entries = search_index.visible(list(hits))
    highlight_words = [*searched, *(w for p in phrases for w in p.split())]
    parts = lexicon().parts
    results = []
    for entry in entries:
        score = hits[entry.pk] + (NAMED_BOOST if entry.term_id in named else 0)
        if entry.article_id and not entry.anchor and _title_matches(entry.names, meaningful):
            score += NAMED_BOOST / 2
        results.append(_result(entry, score, highlight_words, parts))
    results.sort(key=lambda r: -r.score)
    found.results = results[:MAX_RESULTS]
    if not found.results:
        # Near-spellings of glossary names; never for a crisis query, where help comes first.
        found.suggested_terms = [] if found.crisis else _closest_terms(found.query)
        found.parts = list(Article.objects.published().parts().order_by("order", "pk").only("title", "slug", "summary"))
    return found


def _result(entry: SearchEntry, score: float, words: list[str], parts: dict) -> Result:
    if entry.term_id:
        term = entry.term
        return Result("Glossary term", term.term, term.get_absolute_url(), "", highlight(entry.body, words), score)
    article = entry.article
    url = article.get_absolute_url() + (f"#{entry.anchor}" if entry.anchor else "")
    part = parts.get(article.pk)
    context = f"Part {part}: {article.title}" if part else article.title
    return Result("Guide section", entry.title, url, context, highlight(entry.body, words), score)


def _title_matches(title: str, words: list[str]) -> bool:
    """Every meaningful word of the query is in the article's title (stems compared)."""
    title_stems = {stem(w) for w in rendering.name_key(title)}
    return all(stem(w.casefold()) in title_stems for w in words)


# What search knows about the guide, remembered per content version


@dataclass(frozen=True)
class Lexicon:
    terms: tuple  # (term pk, canonical name, normalized names)
    synonyms: tuple  # (normalized phrase, meaning, pks of terms the meaning names)
    known: frozenset  # every word used (lower case) and its stem
    choices: tuple  # words offered as corrections
    parts: dict  # article pk -> part number


_lexicon_lock = threading.Lock()
_lexicon: dict = {"key": None, "value": None}


@content_version.remember_per_version
def forget_lexicon() -> None:
    with _lexicon_lock:
        _lexicon.update(key=None, value=None)


def lexicon() -> Lexicon:
    key = content_version.content_version().stamp
    with _lexicon_lock:
        if _lexicon["key"] == key and _lexicon["value"] is not None:
            return _lexicon["value"]
    terms = tuple(
        (t.pk, t.term, tuple(n for n in map(crisis.normalize, t.names) if n))
        for t in GlossaryTerm.objects.published().only("pk", "term", "aliases")
    )
    synonyms = tuple(
        (crisis.normalize(phrase), means, frozenset(pk for pk, _, names in terms if crisis.normalize(means) in names))
        for phrase, means in Synonym.objects.values_list("phrase", "means")
        if crisis.normalize(phrase)
    )
    words = set()
    for title, names, body in SearchEntry.objects.values_list("title", "names", "body"):
        words.update(w.casefold() for w in re.findall(r"[^\W\d_]+", f"{title} {names} {body}"))
    for phrase, means, _ in synonyms:
        words.update(re.findall(r"[^\W\d_]+", f"{phrase} {means.casefold()}"))
    parts = {
        pk: i
        for i, pk in enumerate(
            Article.objects.published().parts().order_by("order", "pk").values_list("pk", flat=True), 1
        )
    }
    value = Lexicon(
        terms,
        synonyms,
        frozenset(words | {stem(w) for w in words}),
        tuple(sorted(w for w in words if len(w) >= TYPO_MIN_LENGTH)),
        parts,
    )
    with _lexicon_lock:
        _lexicon.update(key=key, value=value)
    return value


# The words patients use


def _expansions(query: str) -> tuple[list[str], set[int]]:
    """Phrases to search for besides the query's own words, and the terms the query names.
    A glossary name or alias in the query brings in the term's name; a synonym brings in its meaning."""
    text = f" {crisis.normalize(query)} "
    known = lexicon()
    phrases, named = [], set()
    for pk, term, names in known.terms:
        if any(f" {name} " in text for name in names):
            named.add(pk)
            phrases.append(term)
    for phrase, means, terms in known.synonyms:
        if f" {phrase} " in text:
            phrases.append(means)
            named.update(terms)
    return list(dict.fromkeys(phrases)), named


# Typos

_stemmer = threading.local()


def stem(word: str) -> str:
    """English (Snowball) stem: "worked" and "works" are both "work", so neither looks misspelt."""
    if not hasattr(_stemmer, "english"):
        _stemmer.english = snowballstemmer.stemmer("english")
    return _stemmer.english.stemWord(word)


def _corrections(words: list[str]) -> dict[str, str]:
    """{misspelt word: the closest word the guide uses}, for words the guide never uses."""
    known, choices = lexicon().known, lexicon().choices
    fixed = {}
    for word in words:
        low = word.casefold()
        if len(low) < TYPO_MIN_LENGTH or not low.isalpha() or low in known or stem(low) in known:
            continue
        best = process.extractOne(low, choices, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE)
        if best:
            fixed[low] = best[0]
    return fixed


def _closest_terms(query: str, limit: int = 3) -> list[GlossaryTerm]:
    terms = list(GlossaryTerm.objects.published().only("term", "slug", "aliases", "definition"))
    names = {name.casefold(): term for term in terms for name in term.names}
    matches = process.extract(query.casefold(), list(names), scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=75)
    return list(dict.fromkeys(names[name] for name, _, _ in matches))[:limit]


def search_url(query: str) -> str:
    return f"{reverse('articles:search')}?{urlencode({'q': query})}"


def highlight(text: str, words: list[str], width: int = 220) -> SafeString:
    """A passage of plain text around the first query word, escaped, with the words in <mark>."""
    stems = sorted({w.casefold().rstrip("s") if len(w) > 3 else w.casefold() for w in words}, key=len, reverse=True)
    if not stems:
        return mark_safe("")
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(stem) for stem in stems) + r")\w*", re.IGNORECASE)
    text = " ".join(text.split())
    first = pattern.search(text)
    start = max(0, (first.start() if first else 0) - width // 3)
    if start:
        start = text.find(" ", start) + 1 or start
    passage = text[start : start + width]
    end = passage.rfind(" ") if start + width < len(text) else len(passage)
    passage = passage[: end if end > 0 else len(passage)]
    parts, position = [], 0
    for match in pattern.finditer(passage):
        parts.append(html.escape(passage[position : match.start()]))
        parts.append(f"<mark>{html.escape(match.group())}</mark>")
        position = match.end()
    parts.append(html.escape(passage[position:]))
    prefix = "… " if start else ""
    suffix = " …" if start + len(passage) < len(text) else ""
    # Safe: every piece of the text is escaped; only our own <mark> tags are added.
    return mark_safe(prefix + "".join(parts) + suffix)
