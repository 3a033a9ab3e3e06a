"""The search index: passages (article sections and glossary terms) and how each database finds them.

Every published article is split at its headings, so a result can link to the section that
answers the question. Both databases stem words (treatments -> treatment, helped -> help):
- SQLite: an FTS5 table with the porter tokenizer, kept in step with SearchEntry by triggers,
  ranked with bm25 (headings and names weigh more than body text).
- PostgreSQL: SearchEntry.vector, a stored tsvector (English) with a GIN index, ranked with
  ts_rank_cd using the same weights.
A query is a set of words and phrases joined by OR: a question in plain words ranks the passages
that share the most of its words, rather than requiring every word.

`sync(item)` runs on every save of an article or term (deleting one deletes its passages by
cascade); `rebuild()` (manage.py rebuild_search_index, and after migration) redoes everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection, transaction
from django.db.models import F, Q

FTS_TABLE = "articles_searchentry_fts"
# bm25 weights per FTS column: title (heading or term name), names, body.
FTS_WEIGHTS = (10.0, 5.0, 1.0)
MAX_HITS = 60

SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
        title, names, body, content='articles_searchentry', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER articles_searchentry_ai AFTER INSERT ON articles_searchentry BEGIN
        INSERT INTO {FTS_TABLE}(rowid, title, names, body) VALUES (new.id, new.title, new.names, new.body); END""",
    f"""CREATE TRIGGER articles_searchentry_ad AFTER DELETE ON articles_searchentry BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, names, body)
        VALUES ('delete', old.id, old.title, old.names, old.body); END""",
    f"""CREATE TRIGGER articles_searchentry_au AFTER UPDATE ON articles_searchentry BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, names, body)
        VALUES ('delete', old.id, old.title, old.names, old.body);
        INSERT INTO {FTS_TABLE}(rowid, title, names, body) VALUES (new.id, new.title, new.names, new.body); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS articles_searchentry_ai",
    "DROP TRIGGER IF EXISTS articles_searchentry_ad",
    "DROP TRIGGER IF EXISTS articles_searchentry_au",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
POSTGRES_CREATE = ["CREATE INDEX articles_searchentry_vector_gin ON articles_searchentry USING gin (vector)"]
POSTGRES_DROP = ["DROP INDEX IF EXISTS articles_searchentry_vector_gin"]


def create_backend_index(schema_editor) -> None:
    """Migration step: the database's own full-text index over SearchEntry."""
    statements = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def drop_backend_index(schema_editor) -> None:
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


# Passages


@dataclass(frozen=True)
class Passage:
    anchor: str
    title: str
    body: str


class _Sections(HTMLParser):
    """Split stored article HTML at its headings (h2-h4 with ids), dropping the "#" section links."""

    HEADINGS = {"h2", "h3", "h4"}

    def __init__(self, title: str):
        super().__init__(convert_charrefs=True)
        self.passages: list[list] = [["", title, []]]
        self.heading: list | None = None
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "section-link" in (attrs.get("class") or ""):
            self.skip += 1
        elif tag in self.HEADINGS and attrs.get("id"):
            self.heading = [attrs["id"], []]

    def handle_endtag(self, tag):
        if tag == "a" and self.skip:
            self.skip -= 1
        elif tag in self.HEADINGS and self.heading is not None:
            anchor, words = self.heading
            self.passages.append([anchor, " ".join("".join(words).split()), []])
            self.heading = None
        elif tag in {"p", "li", "td", "th", "blockquote"}:
            self.passages[-1][2].append(" ")

    def handle_data(self, data):
        if self.skip:
            return
        if self.heading is not None:
            self.heading[1].append(data)
        else:
            self.passages[-1][2].append(data)


def article_passages(title: str, summary: str, body_html: str) -> list[Passage]:
    """The article's opening (with its summary) and each section under its heading."""
    parser = _Sections(title)
    parser.feed(body_html)
    parser.close()
    passages = []
    for index, (anchor, heading, text) in enumerate(parser.passages):
        body = " ".join("".join(text).split())
        if index == 0:
            body = f"{summary} {body}".strip()
        if body or heading:
            passages.append(Passage(anchor, heading, body))
    return passages


def entries_for(item, entry_model) -> list:
    """Unsaved SearchEntry rows for an article or term (none unless it is published)."""
    if getattr(item, "status", None) != "published":
        return []
    if hasattr(item, "body_html"):
        return [
            entry_model(article_id=item.pk, anchor=p.anchor, position=i, title=p.title, names=item.title, body=p.body)
            for i, p in enumerate(article_passages(item.title, item.summary, item.body_html))
        ]
    names = " ; ".join([item.term, *item.aliases])
    return [entry_model(term_id=item.pk, title=item.term, names=names, body=f"{item.definition} {item.search_text}")]


def _set_vectors(queryset) -> None:
    if connection.vendor == "postgresql":
        queryset.update(
            vector=SearchVector("title", weight="A", config="english")
            + SearchVector("names", weight="B", config="english")
            + SearchVector("body", weight="D", config="english")
        )


def sync(item) -> None:
    """Replace the item's passages with what it says now (called on every save)."""
    from .search_models import SearchEntry

    owner = {"article_id": item.pk} if hasattr(item, "body_html") else {"term_id": item.pk}
    with transaction.atomic():
        SearchEntry.objects.filter(**owner).delete()
        SearchEntry.objects.bulk_create(entries_for(item, SearchEntry))
        _set_vectors(SearchEntry.objects.filter(**owner))


def rebuild(article_model=None, term_model=None, entry_model=None) -> int:
    """Rebuild every passage (also from a migration, with its historical models). Returns the count."""
    if article_model is None:
        from .models import Article as article_model  # noqa: N813
        from .models import GlossaryTerm as term_model
        from .search_models import SearchEntry as entry_model  # noqa: N813
    with transaction.atomic():
        entry_model.objects.all().delete()
        rows = [e for a in article_model.objects.all() for e in entries_for(a, entry_model)]
        rows += [e for t in term_model.objects.all() for e in entries_for(t, entry_model)]
        entry_model.objects.bulk_create(rows)
        _set_vectors(entry_model.objects.all())
    return len(rows)


# Querying


def _fts_match(words: list[str], phrases: list[str]) -> str:
    """An FTS5 query that can never be a syntax error: every word and phrase quoted, joined by OR."""
    quoted = ['"' + text.replace('"', '""') + '"' for text in [*words, *phrases] if text.strip()]
    return " OR ".join(quoted)


def find(words: list[str], phrases: list[str]) -> list[tuple[int, float]]:
    """(SearchEntry id, score) for passages matching any word or phrase, best first; higher is better."""
    if not (words or phrases):
        return []
    if connection.vendor == "postgresql":
        return _find_postgres(words, phrases)
    return _find_sqlite(words, phrases)


def _find_sqlite(words, phrases):
    weights = ", ".join(str(w) for w in FTS_WEIGHTS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, bm25({FTS_TABLE}, {weights}) AS score FROM {FTS_TABLE} "
            f"WHERE {FTS_TABLE} MATCH %s ORDER BY score LIMIT %s",
            [_fts_match(words, phrases), MAX_HITS],
        )
        return [(rowid, -score) for rowid, score in cursor.fetchall()]  # bm25: lower is better


def _find_postgres(words, phrases):
    from .search_models import SearchEntry

    query = None
    for text, kind in [*((w, "plain") for w in words), *((p, "phrase") for p in phrases)]:
        part = SearchQuery(text, search_type=kind, config="english")
        query = part if query is None else query | part
    hits = (
        SearchEntry.objects.annotate(
            score=SearchRank(F("vector"), query, cover_density=True, weights=[0.1, 0.2, 0.4, 1.0])
        )
        .filter(vector=query)
        .order_by("-score")
        .values_list("id", "score")[:MAX_HITS]
    )
    return [(pk, score * 10) for pk, score in hits]


def visible(ids):
    """The entries among `ids` that belong to something patients may see now."""
    from .models import Article, GlossaryTerm
    from .search_models import SearchEntry

    return (
        SearchEntry.objects.filter(id__in=ids)
        .filter(Q(article__in=Article.objects.published()) | Q(term__in=GlossaryTerm.objects.published()))
        .select_related("article", "term")
        .only("title", "anchor", "body", "names", "article__title", "article__slug", "term__term", "term__slug")
    )
