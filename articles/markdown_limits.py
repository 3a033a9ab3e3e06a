"""How much Markdown staff may give the renderer: size, nesting, brackets and headings.

Python-Markdown is quadratic on some inputs (every unclosed "[" scans to the end of its
paragraph, once per link pattern; duplicate heading ids are numbered one by one) and recursive
on nested lists and quotes. A thread cannot be stopped once it is rendering, so the cost is
checked up front, in one pass over the text, before anything is rendered. The admin form, the
preview and the model fields' validator (so anything that calls full_clean()) all use `problem()`.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# The longest shipped article is about 2,500 characters; this is 16 times that (about 6,000 words).
MAX_CHARS = 40_000
# Lists and quotes nested inside each other on one line ("- - - x", "> > x").
MAX_NESTING = 12
# Characters Python-Markdown's link parsing scans for "[" and "](" in the whole text (see
# bracket_work()): about 0.4 s of rendering at most. Ordinary prose with links stays far below it.
MAX_BRACKET_WORK = 1_000_000
MAX_HEADINGS = 200

BLOCKS = re.compile(r"\n[ \t]*\n")
CONTAINER = re.compile(r"[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))")
# ATX headings, and the underlines of setext headings (which also catch "---" rules: both cost alike).
HEADING = re.compile(r"^ {0,3}(?:#{1,6}(?:[ \t]|$)|=+[ \t]*$|-+[ \t]*$)", re.MULTILINE)
# A backslash escape is one token: an escaped bracket (\[) never counts, while \\[ (a backslash, then "[") does.
BRACKETS = re.compile(r"\\.|\]\(|[\[\]()]")


def nesting(line: str) -> int:
    """How many lists and quotes a line opens at its start."""
    depth = position = 0
    while marker := CONTAINER.match(line, position):
        depth, position = depth + 1, marker.end()
    return depth


def bracket_work(block: str) -> int:
    """Characters scanned looking for the "]" of each "[" and the ")" of each "](" in one block.

    A matched bracket costs the distance to its match; an unmatched one the rest of the block.
    """
    work = 0
    squares: list[int] = []
    rounds: list[tuple[int, bool]] = []  # (position, opened a link target)
    for match in BRACKETS.finditer(block):
        token, position = match.group(), match.start()
        if token.startswith("\\"):
            continue
        if token == "[":
            squares.append(position)
        elif token == "]":
            if squares:
                work += position - squares.pop()
        elif token == "](":
            if squares:
                work += position - squares.pop()
            rounds.append((position, True))
        elif token == "(":
            rounds.append((position, False))
        elif rounds:
            start, link = rounds.pop()
            work += position - start if link else 0
    end = len(block)
    work += sum(end - start for start in squares)
    work += sum(end - start for start, link in rounds if link)
    return work


def problem(source: str) -> str | None:
    """Why this Markdown would be too costly to render, in words for staff; None if it is fine."""
    if len(source) > MAX_CHARS:
        return (
            f"This text is {len(source):,} characters long; the limit is {MAX_CHARS:,}. "
            "Split it into two articles or shorten it."
        )
    deepest = max((nesting(line) for line in source.splitlines()), default=0)
    if deepest > MAX_NESTING:
        return (
            f"A line nests {deepest} lists or quotes inside each other; at most {MAX_NESTING} are allowed. "
            "Check for a run of “- ”, “* ” or “> ” at the start of a line."
        )
    if sum(1 for _ in HEADING.finditer(source)) > MAX_HEADINGS:
        return f"This text has more than {MAX_HEADINGS} headings or “---” lines. Check for a run of them."
    if sum(bracket_work(block) for block in BLOCKS.split(source)) > MAX_BRACKET_WORK:
        return (
            "The text has too many unclosed “[” or “(” to render. Close each link’s brackets, "
            "or write a bracket that is not a link as “\\[”."
        )
    return None


def validate_markdown(source: str) -> None:
    """Model field validator: refuse Markdown the renderer should not be given."""
    reason = problem(source or "")
    if reason:
        raise ValidationError(reason, code="markdown_too_costly")
