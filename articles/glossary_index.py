"""Which names readers see for glossary terms, and in what order.

The glossary's A-Z lists each term under its own name and, as cross-references, the other names
patients hear ("ECT, see Electroconvulsive therapy"). An article's "Words used on this page" names
each term as the article's text says it ("IFS (Internal family systems)").

Pure functions over terms the caller has loaded (anything with `term`, `slug` and `aliases`): no queries.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import rendering

NOT_A_LETTER = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Entry:
    """One line of the A-Z: a term under its own name, or another name pointing to it."""

    name: str
    term: Any  # the GlossaryTerm it explains or points to
    is_reference: bool = False


@dataclass(frozen=True)
class Word:
    """A term in "Words used on this page", named as the article's text names it."""

    name: str
    term: Any

    @property
    def is_alias(self) -> bool:
        return self.name != self.term.term


def folded(name: str) -> str:
    """The name without case, accents or punctuation: "Électro-convulsive" -> "electro convulsive"."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return NOT_A_LETTER.sub(" ", plain).strip()


def sort_key(name: str) -> tuple[str, str]:
    """A-Z order that ignores case and accents ("EMDR" after "Electroconvulsive therapy")."""
    return folded(name), name


def letter_of(name: str) -> str:
    """The A-Z heading a name is filed under, from the same folding as the order ("Électro" -> "E")."""
    first = folded(name)[:1].upper()
    return first if first.isalpha() else "#"


def _spellings(name: str) -> set[str]:
    words = folded(name).split()
    if not words:
        return set()
    head = "".join(words[:-1])
    return {head + last for last in rendering.singular_forms(words[-1])}


def same_name(a: str, b: str) -> bool:
    """Whether two names differ only in case, accents, hyphens, spaces or a plural ending
    ("side-effects" and "Side effect", "anti-depressant" and "Antidepressant")."""
    return bool(_spellings(a) & _spellings(b))


def display_name(name: str) -> str:
    """An alias as a heading of its own: a lower-case one gets a capital ("talk therapy" -> "Talk
    therapy"); one with capitals is kept as written ("rTMS", "Spravato")."""
    return name[:1].upper() + name[1:] if name.islower() else name


def cross_references(term) -> list[str]:
    """The aliases that get an entry of their own in the A-Z. Left out: a spelling variant of the
    term's name or of an alias already listed ("treatment resistant depression"), and an alias
    with the same first word as the term, which would be filed right beside it anyway
    ("Adequate antidepressant trial" next to "Adequate trial")."""
    first_word = folded(term.term).split()[:1]
    seen = [term.term]
    references = []
    for alias in term.aliases:
        alias = alias.strip()
        if not folded(alias) or any(same_name(alias, name) for name in seen):
            continue
        seen.append(alias)
        if first_word and same_name(folded(alias).split()[0], first_word[0]):
            continue
        references.append(alias)
    return references


def index_letters(terms: Iterable) -> list[tuple[str, list[Entry]]]:
    """[(letter, entries)] for the glossary page: terms and their cross-references, in A-Z order."""
    entries = []
    for term in terms:
        entries.append(Entry(term.term, term))
        entries += [Entry(display_name(alias), term, is_reference=True) for alias in cross_references(term)]
    entries.sort(key=lambda entry: sort_key(entry.name))
    letters: dict[str, list[Entry]] = {}
    for entry in entries:
        letters.setdefault(letter_of(entry.name), []).append(entry)
    return sorted(letters.items(), key=lambda item: (item[0] != "#", sort_key(item[0])))


def words_used(body_html: str, terms: Iterable) -> list[Word]:
    """The terms an article links, each under the name its text uses, in A-Z order: the alias
    when the text says one ("IFS"), the term's own name when the text uses it or a spelling of it."""
    linked = rendering.linked_terms(body_html)
    text = None  # the page's text, read only for a term it mentions without a link (a checklist's questions)
    words = []
    for term in terms:
        names = rendering.GlossaryMatcher([rendering.Term(slug=term.slug, names=(term.term, *term.aliases), url="")])
        seen = linked.get(term.slug)
        if seen is None:
            text = rendering.plain_text(body_html) if text is None else text
            seen = next((text[start:end] for start, end, _ in names.find(text)), "")
        said = names.name_for(seen) or term.term
        words.append(Word(term.term if same_name(said, term.term) else display_name(said), term))
    return sorted(words, key=lambda word: sort_key(word.name))
