import re

import pytest
from payloads import PAYLOADS, inert_problems

from articles.rendering import (
    ALLOWED_TAGS,
    WORD,
    GlossaryMatcher,
    Term,
    plain_text,
    render_article,
    render_markdown,
    sanitize,
)


def matcher(*specs):
    """matcher(("ketamine",), ("transcranial magnetic stimulation", "TMS"), ...)"""
    terms = []
    for names in specs:
        slug = names[0].lower().replace(" ", "-")
        terms.append(Term(slug=slug, names=tuple(names), url=f"/glossary/{slug}/"))
    return GlossaryMatcher(terms)


def linked(source, glossary, **kwargs):
    return render_article(source, glossary, **kwargs).html


# Markdown, headings and table of contents


def test_headings_get_stable_ids_from_their_text():
    html = render_article("## Why “resistant” doesn’t mean stubborn\n\nText.").html
    assert '<h2 id="why-resistant-doesnt-mean-stubborn">' in html


def test_same_source_renders_same_ids_every_time():
    source = "## Paths forward\n\n## A team effort\n"
    assert render_article(source).html == render_article(source).html


def test_duplicate_headings_get_distinct_ids():
    html = render_article("## Notes\n\nA\n\n## Notes\n\nB").html
    assert 'id="notes"' in html and 'id="notes_1"' in html


def test_each_heading_gets_a_link_to_its_section():
    html = render_article("## Paths forward\n\nText.").html
    assert (
        '<h2 id="paths-forward">Paths forward <a class="section-link" href="#paths-forward" '
        'aria-label="Link to this section: Paths forward">#</a></h2>'
    ) in html


def test_section_link_label_is_escaped():
    html = render_article('## Fish & "chips"\n').html
    assert 'aria-label="Link to this section: Fish &amp; &quot;chips&quot;"' in html


def test_toc_lists_headings_in_order_with_ids_and_levels():
    toc = render_article("## First part\n\n### Detail\n\n## Second part\n").toc
    assert toc == [
        {"id": "first-part", "name": "First part", "level": 2},
        {"id": "detail", "name": "Detail", "level": 3},
        {"id": "second-part", "name": "Second part", "level": 2},
    ]


def test_toc_names_are_plain_text():
    toc = render_article("## Fish & **chips**\n").toc
    assert toc[0]["name"] == "Fish & chips"


def test_lists_render_as_lists():
    html = render_article("Reasons:\n\n- one\n- two\n").html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html


def test_tables_render():
    html = render_article("| a | b |\n|---|---|\n| 1 | 2 |\n").html
    assert "<table>" in html and "<td>1</td>" in html


def test_word_count_counts_words_of_the_text():
    assert render_article("## Two words\n\nThree more words.").word_count == 5


def test_reading_time_is_at_least_one_minute():
    assert render_article("Short.").reading_minutes == 1


def test_reading_time_rounds_at_200_words_a_minute():
    assert render_article("word " * 1000).reading_minutes == 5


# Sanitizing


def test_script_tags_are_shown_as_text_never_as_markup():
    html = render_article("Hello <script>alert(1)</script> world").html
    assert "<script" not in html
    assert "Hello &lt;script&gt;alert(1)&lt;/script&gt; world" in html


def test_event_handler_attributes_are_removed():
    html = sanitize('<p onclick="alert(1)">Hi</p>')
    assert html == "<p>Hi</p>"


def test_javascript_urls_are_removed():
    html = render_article("[click](javascript:alert(1))").html
    assert "javascript" not in html


def test_obfuscated_javascript_links_lose_their_href():
    for href in [
        "&#x6A;avascript:alert(1)",
        "java&#x09;script:alert(1)",
        "&#8203;javascript:alert(1)",
        "%6Aavascript:x",
    ]:
        assert "href" not in sanitize(f'<a href="{href}">x</a>'), href


def test_protocol_relative_links_lose_their_href():
    assert "href" not in sanitize('<a href="//evil.example/">x</a>')


def test_data_urls_are_removed():
    assert "data:" not in sanitize('<a href="data:text/html,<script>alert(1)</script>">x</a>')


def test_iframes_objects_embeds_and_forms_are_removed():
    html = sanitize('<iframe src="https://x"></iframe><object></object><embed src="x"><form><input></form>')
    assert not any(tag in html for tag in ("<iframe", "<object", "<embed", "<form", "<input"))


def test_style_attributes_and_tags_are_removed():
    html = sanitize('<p style="color:red">x</p><style>p{}</style>')
    assert html == "<p>x</p>"


def test_images_are_removed_so_nothing_loads_from_other_hosts():
    assert "<img" not in render_article("![x](https://tracker.example/p.gif)").html


def test_safe_links_are_kept_with_rel_noopener():
    html = render_article("[988](tel:988) and [site](https://988lifeline.org/)").html
    assert 'href="tel:988"' in html
    assert 'href="https://988lifeline.org/" rel="noopener noreferrer"' in html


def test_relative_links_are_kept():
    assert 'href="/glossary/ketamine/"' in render_article("[k](/glossary/ketamine/)").html


def test_render_markdown_alone_does_not_sanitize():
    # The contract: render_markdown is only ever used through render_article.
    assert 'href="javascript:alert(1)"' in render_markdown("[x](javascript:alert(1))")[0]


# Raw HTML in staff Markdown is shown as text: the sanitizer would drop an unclosed <script> or
# <style> with everything after it, and turn what follows <textarea> and the like into markup.

RAW_TAGS = ["script", "style", "textarea", "iframe", "noscript", "title", "xmp", "plaintext"]
LATER_SECTION = "## Call your clinic if you feel unsafe\n\nCall the clinic or 988 at any time.\n"


def prose_with(tag, closed):
    html = f"<{tag}>kiddies</{tag}>" if closed else f"<{tag}> kiddies"
    return f"Please avoid {html} on forums.\n\n{LATER_SECTION}"


@pytest.mark.parametrize("closed", [False, True], ids=["unclosed", "closed"])
@pytest.mark.parametrize("tag", RAW_TAGS)
def test_a_raw_html_tag_in_a_sentence_never_costs_the_page_words(tag, closed):
    source = prose_with(tag, closed)
    page = render_article(source).html
    assert len(WORD.findall(plain_text(page))) >= len(WORD.findall(source))


@pytest.mark.parametrize("tag", RAW_TAGS)
def test_a_later_section_survives_an_unclosed_raw_html_tag(tag):
    page = render_article(prose_with(tag, closed=False)).html
    assert '<h2 id="call-your-clinic-if-you-feel-unsafe">' in page


def test_raw_html_is_shown_as_the_text_staff_wrote():
    assert "<p>Please avoid &lt;script&gt; kiddies on forums.</p>" in render_article(prose_with("script", False)).html


def test_a_raw_html_block_is_shown_as_text():
    assert "<p>&lt;div&gt;Hello&lt;/div&gt;</p>" in render_article("<div>Hello</div>\n").html


def test_the_contents_list_names_only_headings_on_the_page():
    result = render_article(prose_with("style", closed=False))
    assert all(f'id="{entry["id"]}"' in result.html for entry in result.toc)


def test_autolinks_are_still_links():
    assert (
        '<a href="https://988lifeline.org/" rel="noopener noreferrer">'
        in render_article("<https://988lifeline.org/>").html
    )


def test_entities_still_show_their_character():
    assert "Fish &amp; chips ©" in render_article("Fish &amp; chips &copy;").html


# Glossary linking


def test_first_occurrence_of_a_term_is_linked():
    html = linked("Ketamine helps some. Ketamine again.", matcher(("ketamine",)))
    assert html.count('class="term"') == 1
    assert '<a class="term" href="/glossary/ketamine/" data-term="ketamine">Ketamine</a> helps' in html


def test_only_the_first_of_a_term_or_its_aliases_is_linked():
    glossary = matcher(("transcranial magnetic stimulation", "TMS"))
    html = linked("TMS is one option. Transcranial magnetic stimulation is its full name.", glossary)
    assert html.count('class="term"') == 1


def test_matching_is_case_insensitive_and_keeps_the_text_as_written():
    html = linked("ECT is an option.", matcher(("ect",)))
    assert ">ECT</a>" in html


def test_a_term_inside_a_longer_word_is_not_matched():
    assert 'class="term"' not in linked("The effect was small.", matcher(("ECT",)))


def test_ketamine_inside_esketamine_is_not_matched():
    html = linked("Esketamine is a nasal spray.", matcher(("ketamine",)))
    assert 'class="term"' not in html


def test_simple_plural_matches_its_term():
    html = linked("Two adequate trials.", matcher(("adequate trial",)))
    assert ">adequate trials</a>" in html


def test_ies_plural_matches_its_y_term():
    html = linked("Other therapies.", matcher(("therapy",)))
    assert ">therapies</a>" in html


def test_es_plural_matches_its_term():
    html = linked("Two approaches.", matcher(("approach",)))
    assert ">approaches</a>" in html


def test_plural_s_matches_single_word_term():
    html = linked("Many antidepressants.", matcher(("antidepressant",)))
    assert ">antidepressants</a>" in html


def test_longest_match_wins():
    glossary = matcher(("stimulation",), ("transcranial magnetic stimulation", "TMS"))
    html = linked("Transcranial magnetic stimulation works.", glossary)
    assert 'data-term="transcranial-magnetic-stimulation">Transcranial magnetic stimulation</a>' in html
    assert 'data-term="stimulation"' not in html


def test_shorter_term_is_still_linked_elsewhere():
    glossary = matcher(("stimulation",), ("transcranial magnetic stimulation",))
    html = linked("Transcranial magnetic stimulation. Brain stimulation.", glossary)
    assert 'data-term="stimulation">stimulation</a>' in html


def test_phrases_do_not_match_across_punctuation():
    html = linked("It was adequate. Trial and error.", matcher(("adequate trial",)))
    assert 'class="term"' not in html


def test_terms_in_headings_are_not_linked():
    html = linked("## About ketamine\n\nKetamine in text.", matcher(("ketamine",)))
    assert '<h2 id="about-ketamine">About ketamine <a class="section-link"' in html
    assert 'class="term"' not in html.split("</h2>")[0]
    assert ">Ketamine</a> in text" in html


def test_terms_inside_existing_links_are_not_linked():
    html = linked("[ketamine clinics](https://example.org/)", matcher(("ketamine",)))
    assert 'class="term"' not in html


def test_terms_inside_code_are_not_linked():
    html = linked("`ketamine` and\n\n    ketamine\n", matcher(("ketamine",)))
    assert 'class="term"' not in html


def test_staff_cannot_fake_a_term_link():
    html = linked('<a class="term" href="/x">ketamine</a>', matcher(("ketamine",)))
    assert '<a class="term" href="/x"' not in html


def test_a_term_page_does_not_link_to_itself():
    glossary = matcher(("ketamine",), ("esketamine",))
    html = linked("Ketamine is related to esketamine.", glossary, exclude="ketamine")
    assert 'data-term="ketamine"' not in html
    assert 'data-term="esketamine"' in html


def test_terms_used_records_the_section_of_first_use():
    result = render_article("Intro ketamine.\n\n## Options\n\nTMS here.", matcher(("ketamine",), ("TMS",)))
    assert result.terms_used == {"ketamine": "", "tms": "options"}


def test_text_around_links_stays_escaped():
    html = linked("Fish &amp; ketamine <3", matcher(("ketamine",)))
    assert "Fish &amp; <a" in html and "&lt;3" in html


def test_hyphenated_term_matches_whole():
    html = linked("Treatment-resistant depression is common.", matcher(("treatment-resistant depression", "TRD")))
    assert ">Treatment-resistant depression</a>" in html


def test_possessive_still_links_the_term():
    html = linked("TRD’s weight.", matcher(("TRD",)))
    assert ">TRD</a>’s" in html


def test_matcher_lookup_count_does_not_grow_with_glossary_size():
    # Cost is counted in index lookups, not seconds: the same text costs the same
    # number of lookups against 20 terms or 5,000.
    small = matcher(*[(f"alpha term {i}",) for i in range(20)])
    large = matcher(*[(f"alpha term {i}",) for i in range(5000)])
    text = "Some words about alpha term 3 and more words. " * 50

    def lookups(glossary):
        count = 0
        original = glossary._lookup

        def counting(words):
            nonlocal count
            count += 1
            return original(words)

        glossary._lookup = counting
        list(glossary.find(text))
        return count

    assert lookups(large) == lookups(small)


def template_ids():
    """Every id the site's templates give an element (a prefix for ids built from a slug)."""
    from pathlib import Path

    text = "\n".join(
        p.read_text(encoding="utf-8") for p in (Path(__file__).parent.parent / "templates").rglob("*.html")
    )
    return set(re.findall(r'\bid="([a-z][a-z0-9-]*)', text))


def test_the_reserved_ids_cover_every_id_the_templates_use():
    from articles.rendering import RESERVED_ID_PREFIXES, RESERVED_IDS

    missing = {i for i in template_ids() if i not in RESERVED_IDS and not (i + "x").startswith(RESERVED_ID_PREFIXES)}
    assert missing == set()


def test_no_heading_takes_an_id_the_page_itself_uses():
    from articles.rendering import RESERVED_ID_PREFIXES, RESERVED_IDS

    headings = [i.replace("-", " ").capitalize() for i in RESERVED_IDS] + ["Word ketamine", "Letter a"]
    html = render_article("\n\n".join(f"## {h}\n\nText." for h in headings)).html
    ids = set(re.findall(r'<h2 id="([^"]+)"', html))
    assert len(ids) == len(headings)
    assert not ids & RESERVED_IDS and not [i for i in ids if i.startswith(RESERVED_ID_PREFIXES)]


def test_a_get_help_heading_leaves_the_crisis_link_its_target():
    assert '<h2 id="section-get-help">' in render_article("## Get help\n\nCall your clinic.").html


def test_ordinary_section_ids_are_unchanged():
    assert '<h2 id="what-the-term-means">' in render_article("## What the term means\n\nText.").html


# The hostile-markup corpus (tests/data/xss_payloads.txt) through the pipeline


def test_the_corpus_has_at_least_100_payloads():
    assert len(PAYLOADS) >= 100


def test_inspector_catches_a_live_payload():
    assert inert_problems('<img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>') != []


def test_no_payload_survives_the_rendering_pipeline():
    # The sanitizer's own output may hold only its allowlist (and our term and section links).
    found = {p: inert_problems(render_article(p).html, ALLOWED_TAGS | {"a"}) for p in PAYLOADS}
    assert {p: problems for p, problems in found.items() if problems} == {}


# A big glossary


def test_article_page_links_terms_from_a_big_glossary(client, big_site):
    content = client.get("/guide/part-25/").content.decode()
    assert 'data-term="term-25"' in content and 'data-term="term-26"' in content
