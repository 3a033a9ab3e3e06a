import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from articles.markdown_limits import MAX_CHARS, problem
from articles.models import Article, GlossaryTerm
from articles.rendering import render_article

CONTENT = Path(__file__).resolve().parent.parent / "content"
SHIPPED = sorted(CONTENT.rglob("*.md"))
HOSTILE = {
    "10 KB of [": "[" * 10_000,
    "'- ' x 20000": "- " * 20_000 + "x",
    "'> ' x 20000": "> " * 20_000 + "x",
    "'[a](' x 8000": "[a](" * 8_000,
    "nested [ and ]": "[" * 5_000 + "]" * 5_000,
    "escaped backslash then [": "\\\\[" * 3_000,
    "10000 setext headings": "a\n=\n" * 10_000,
    "many paragraphs of [": "\n\n".join(["[" * 1_400] * 28),
}


def body_of(path):
    return path.read_text(encoding="utf-8").split("---\n", 2)[2]


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_markdown_is_refused_before_rendering(body):
    assert problem(body) is not None


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_markdown_renders_within_a_second_without_an_error(body):
    start = time.perf_counter()
    render_article(body)
    assert time.perf_counter() - start < 1


def test_hostile_markdown_that_reaches_the_renderer_keeps_its_words_as_text():
    assert render_article("Before [" + "[" * 10_000 + " after").html.endswith(" after</p>")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_every_shipped_page_is_within_the_limits(path):
    assert problem(body_of(path)) is None


def test_the_size_limit_is_far_above_the_longest_shipped_page():
    assert MAX_CHARS >= 10 * max(len(body_of(path)) for path in SHIPPED)


def test_text_over_the_size_limit_is_refused_with_its_length():
    assert "40,001 characters long; the limit is 40,000" in problem("a" * (MAX_CHARS + 1))


def test_a_long_article_of_ordinary_paragraphs_and_links_is_accepted():
    paragraph = (
        "Ask your clinic (or [the 988 Lifeline](tel:988)) about [TMS](/glossary/tms/) and [ECT](/glossary/ect/). "
    )
    assert problem(("\n\n".join([paragraph * 8] * 40))[:MAX_CHARS]) is None


def test_a_few_stray_brackets_in_a_long_paragraph_are_accepted():
    assert problem("Side effects [see below. " + "word " * 5_000 + "[1] and [2") is None


def test_escaped_brackets_are_accepted():
    assert problem("\\[" * 10_000) is None


def test_lists_nested_a_few_levels_deep_are_accepted():
    assert problem("- a\n    - b\n        - c\n\n> - > 1. quoted list") is None


def test_the_article_model_refuses_a_body_over_the_limit(db):
    article = Article(title="Long", slug="long", summary="Too long.", body="word " * 8_001)
    with pytest.raises(ValidationError) as refused:
        article.full_clean()
    assert "the limit is 40,000" in refused.value.message_dict["body"][0]


def test_the_glossary_model_refuses_an_explanation_with_a_run_of_brackets(db):
    term = GlossaryTerm(term="Odd", slug="odd", definition="Short.", explanation="[" * 10_000)
    with pytest.raises(ValidationError) as refused:
        term.full_clean()
    assert "too many unclosed" in refused.value.message_dict["explanation"][0]
