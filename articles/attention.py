"""What needs attention in the guide: one report for `manage.py check_content` and the staff home.

Each finding names the item and says what to do. Link checks that need the network run only
when asked (the command); the staff home shows their most recent cached results.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import textstat
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from . import linkcheck, reading_level, rendering
from .models import Article, GlossaryTerm

SOON_DAYS = 30
EXTERNAL = re.compile(r"https?://", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    kind: str  # a short heading, e.g. "Review overdue"
    item: str  # the article or term
    detail: str
    url: str = field(default="", compare=False)  # where staff fix it: the item's admin form


def edit_url(item) -> str:
    return reverse(f"admin:articles_{item._meta.model_name}_change", args=[item.pk])


def report(*, check_links: bool = False, timeout: float = linkcheck.TIMEOUT_SECONDS) -> list[Finding]:
    """Every problem found, in a stable order. `check_links` fetches external addresses now;
    otherwise only results already cached are reported."""
    articles = list(Article.objects.published().select_related("reviewed_by"))
    terms = list(GlossaryTerm.objects.published())
    findings = [
        *reviews_due(articles + terms),
        *missing_sources(articles + terms),
        *internal_links(articles + terms),
        *terms_never_linked(articles, terms),
        *terms_used_nowhere(articles, terms),
        *ambiguous_names(terms),
        *hard_to_read(articles + terms),
        *external_links(articles + terms, fetch=check_links, timeout=timeout),
    ]
    return findings


def _body(item) -> str:
    return item.body if isinstance(item, Article) else item.explanation


def _html(item) -> str:
    return item.body_html if isinstance(item, Article) else item.explanation_html


def reviews_due(items) -> list[Finding]:
    today = timezone.localdate()
    found = []
    for item in items:
        due = item.next_review_due
        if due is None:
            continue
        if due < today:
            found.append(
                Finding("Review overdue", str(item), f"the next review was due {due:%b %d, %Y}", edit_url(item))
            )
        elif due <= today + datetime.timedelta(SOON_DAYS):
            found.append(
                Finding("Review due soon", str(item), f"the next review is due {due:%b %d, %Y}", edit_url(item))
            )
    return found


def missing_sources(items) -> list[Finding]:
    return [
        Finding("No sources", str(item), "add at least one source a reader can check", edit_url(item))
        for item in items
        if not item.sources
    ]


def internal_links(items) -> list[Finding]:
    """Links in the text to a guide page or term that is missing or not published."""
    found = []
    for item in items:
        for href in rendering.links_in(_body(item)):
            if href.startswith("/") and not _reaches_a_public_page(href):
                found.append(
                    Finding("Broken internal link", str(item), f"“{href}” leads to no published page", edit_url(item))
                )
    return found


def _reaches_a_public_page(href: str) -> bool:
    path = href.split("#")[0].split("?")[0]
    try:
        match = resolve(path)
    except Resolver404:
        return not path.startswith(("/guide/", "/glossary/"))
    slug = match.kwargs.get("slug")
    if match.view_name == "articles:article_detail":
        return Article.objects.published().filter(slug=slug).exists() or _old_slug_of_public(slug, "article")
    if match.view_name == "articles:term_detail":
        return GlossaryTerm.objects.published().filter(slug=slug).exists() or _old_slug_of_public(slug, "term")
    return True


def _old_slug_of_public(slug: str, owner: str) -> bool:
    from .models import OldSlug

    old = OldSlug.objects.filter(slug=slug, **{f"{owner}__isnull": False}).select_related(owner).first()
    return old is not None and getattr(old, owner).is_visible


def _probe(term: GlossaryTerm) -> rendering.GlossaryMatcher:
    return rendering.GlossaryMatcher([rendering.Term(slug=term.slug, names=term.names, url="")])


def _mentions(term: GlossaryTerm, text: str) -> bool:
    return next(iter(_probe(term).find(text)), None) is not None


def terms_never_linked(articles, terms) -> list[Finding]:
    """A term whose words appear in a published article that links it nowhere (e.g. only in headings)."""
    found = []
    for article in articles:
        for term in terms:
            if term.slug not in article.term_anchors and _mentions(term, article.search_text):
                found.append(
                    Finding(
                        "Term used but not linked",
                        str(term),
                        f"appears in “{article}” but is never linked there (only in headings or links?)",
                        edit_url(article),
                    )
                )
    return found


def terms_used_nowhere(articles, terms) -> list[Finding]:
    used = {slug for article in articles for slug in article.term_anchors}
    return [
        Finding("Term used nowhere", str(term), "no published article uses it", edit_url(term))
        for term in terms
        if term.slug not in used and not any(_mentions(term, a.search_text) for a in articles)
    ]


def ambiguous_names(terms) -> list[Finding]:
    """An alias another term also has, or an everyday word that would link far too often."""
    owners: dict[tuple, list[str]] = {}
    for term in terms:
        for name in term.names:
            owners.setdefault(rendering.name_key(name), []).append(term.term)
    found = []
    for term in terms:
        for alias in term.aliases:
            others = [t for t in owners.get(rendering.name_key(alias), []) if t != term.term]
            if others:
                found.append(
                    Finding(
                        "Alias shared", str(term), f"“{alias}” is also a name of {', '.join(others)}", edit_url(term)
                    )
                )
            if rendering.name_key(alias) in _everyday_words():
                found.append(
                    Finding("Alias is a common word", str(term), f"“{alias}” would link everyday text", edit_url(term))
                )
    return found


@functools.cache
def _everyday_words() -> frozenset[tuple[str, ...]]:
    """The Dale-Chall list of about 3,000 words most fourth-graders know (shipped with textstat)."""
    path = Path(textstat.__file__).parent / "resources" / "en" / "easy_words.txt"
    return frozenset((word.strip().casefold(),) for word in path.read_text(encoding="utf-8").split() if word.strip())


def hard_to_read(items) -> list[Finding]:
    """Measured as the admin measures it: the rendered text, with a term's definition first."""
    found = []
    for item in items:
        html = _html(item)
        if isinstance(item, GlossaryTerm):
            html = f"<p>{escape(item.definition)}</p>{html}"
        grade = reading_level.readability(html)[0] if html else 0.0
        if grade > reading_level.READING_GRADE_LIMIT:
            found.append(
                Finding(
                    "Hard to read",
                    str(item),
                    f"reads at grade {grade}, above grade {reading_level.READING_GRADE_LIMIT}",
                    edit_url(item),
                )
            )
    return found


def external_urls(item) -> list[str]:
    links = [href for href in rendering.links_in(_body(item)) if EXTERNAL.match(href)]
    return [*(source["url"] for source in item.sources), *links]


def external_links(items, *, fetch: bool, timeout: float) -> list[Finding]:
    where: dict[str, list[str]] = {}
    for item in items:
        for url in external_urls(item):
            where.setdefault(url, []).append(str(item))
    if fetch:
        results = linkcheck.check_urls(where, timeout=timeout)
    else:
        results = {url: hit for url in where if (hit := linkcheck.cached(url)) is not None}
    return [
        Finding("Link fails", ", ".join(dict.fromkeys(where[url])), f"{url}: {result.detail}")
        for url, result in results.items()
        if not result.ok
    ]
