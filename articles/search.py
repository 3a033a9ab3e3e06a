"""Search over published articles and glossary terms.

PostgreSQL: full-text search (websearch syntax, English stemming, weighted ranking).
Other databases (SQLite): every query word must appear somewhere; ranked in Python.
Either way, title and term-name matches come first, and the passage shown comes from
rendering.highlight(), which escapes everything.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils.safestring import SafeString

from . import rendering
from .models import Article, GlossaryTerm

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
MAX_RESULTS = 30
# NUL and other control characters are refused by PostgreSQL and mean nothing to a reader.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True)
class Result:
    kind: str
    title: str
    url: str
    passage: SafeString
    score: float


def clean_query(raw: str) -> str:
    """The query as searched and shown back: control characters removed, spaces collapsed, length capped."""
    return " ".join(CONTROL.sub(" ", raw or "")[:MAX_QUERY_LENGTH].split())


def search(raw: str) -> tuple[str, list[Result]]:
    """(cleaned query, ranked results)."""
    query = clean_query(raw)
    words = rendering.WORD.findall(query)[:MAX_WORDS]
    if not words:
        return query, []
    if connection.vendor == "postgresql":
        articles, terms = _postgres(query)
    else:
        articles, terms = _fallback(words)
    results = [_article_result(a, words, rank) for a, rank in articles]
    results += [_term_result(t, words, rank) for t, rank in terms]
    results.sort(key=lambda r: -r.score)
    return query, results[:MAX_RESULTS]


def _postgres(query):
    search_query = SearchQuery(query, search_type="websearch", config="english")
    article_vector = (
        SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
        + SearchVector("search_text", weight="C", config="english")
    )
    term_vector = (
        SearchVector("term", weight="A", config="english")
        + SearchVector(Cast("aliases", TextField()), weight="A", config="english")
        + SearchVector("definition", weight="B", config="english")
        + SearchVector("search_text", weight="C", config="english")
    )
    articles = (
        Article.objects.published()
        .annotate(document=article_vector, rank=SearchRank(article_vector, search_query))
        .filter(document=search_query)
        .only("title", "slug", "summary", "search_text")
    )
    terms = (
        GlossaryTerm.objects.published().annotate(document=term_vector, rank=SearchRank(term_vector, search_query))
        .filter(document=search_query)
        .only("term", "slug", "aliases", "definition", "search_text")
    )
    return [(a, a.rank) for a in articles], [(t, t.rank) for t in terms]


def _fallback(words):
    article_filter, term_filter = Q(), Q()
    for word in words:
        article_filter &= Q(title__icontains=word) | Q(summary__icontains=word) | Q(search_text__icontains=word)
        term_filter &= (
            Q(term__icontains=word) | Q(aliases__icontains=word) | Q(definition__icontains=word)
            | Q(search_text__icontains=word)
        )
    articles = Article.objects.published().filter(article_filter).only("title", "slug", "summary", "search_text")
    terms = GlossaryTerm.objects.published().filter(term_filter).only("term", "slug", "aliases", "definition", "search_text")

    def rank(*fields):
        text = " ".join(fields).casefold()
        return sum(text.count(word.casefold()) for word in words) / (1 + len(text) / 1000)

    return (
        [(a, rank(a.title, a.title, a.summary, a.search_text)) for a in articles],
        [(t, rank(t.term, t.term, *t.aliases, t.definition, t.search_text)) for t in terms],
    )


def _named(names, words):
    """Title and term-name matches rank above every body match; a name that is the whole query, first."""
    query = rendering.name_key(" ".join(words))
    keys = [rendering.name_key(name) for name in names]
    if query in keys:
        return 200
    named_words = {word for key in keys for word in key}
    return 100 if any(word.casefold() in named_words for word in words) else 0


def _article_result(article, words, rank):
    text = f"{article.summary}\n{article.search_text}"
    return Result("Guide", article.title, article.get_absolute_url(), rendering.highlight(text, words),
                  _named([article.title], words) + rank)


def _term_result(term, words, rank):
    text = f"{term.definition}\n{term.search_text}"
    return Result("Glossary", term.term, term.get_absolute_url(), rendering.highlight(text, words),
                  _named(term.names, words) + rank)
