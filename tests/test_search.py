"""Search as a worried patient or a therapist uses it (articles/search.py, search_index.py, crisis.py).
These run on SQLite and on PostgreSQL (CI runs the suite on both)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from articles import crisis
from articles.models import Article, GlossaryTerm, SearchEntry, Synonym


def search(client, q):
    response = client.get(reverse("articles:search"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def result_titles(content):
    return re.findall(r'<h2 class="result-title"><a href="[^"]+">([^<]+)</a>', content)


def test_search_finds_the_article_section_by_its_body_text(client, guide):
    assert "No single cause" in result_titles(search(client, "genetic"))


def test_a_section_result_names_its_part_of_the_guide(client, guide):
    assert "Guide section · Part 2: Why Doesn’t Treatment Work for Everyone?" in search(client, "genetic")


def test_a_section_result_links_to_the_section_anchor(client, guide):
    assert re.search(
        r'<h2 class="result-title"><a href="/guide/[\w-]+/#[\w-]+">No single cause</a>', search(client, "genetic")
    )


def test_search_finds_glossary_terms(client, guide):
    assert "Ketamine" in result_titles(search(client, "ketamine"))


def test_search_ranks_title_and_term_matches_first(client, guide):
    titles = result_titles(search(client, "esketamine"))
    assert titles[0] == "Esketamine"


def test_search_ranks_an_exact_term_above_a_longer_word_containing_it(client, guide):
    assert result_titles(search(client, "ketamine"))[0] == "Ketamine"


def test_search_matches_a_term_by_its_alias(client, guide):
    assert result_titles(search(client, "TMS"))[0] == "Transcranial magnetic stimulation"


def test_search_ranks_an_article_title_match_above_body_matches(client, guide):
    assert result_titles(search(client, "emotional weight"))[0] == "The Emotional Weight of TRD"


def test_search_shows_the_matching_passage_with_the_query_highlighted(client, guide):
    content = search(client, "genetic")
    assert re.search(r"<mark>Genetic</mark> differences that affect", content)


def test_search_does_not_show_drafts(client, guide, make_article):
    make_article(title="Unpublished zebrafish notes", body="Zebrafish.", status=Article.Status.DRAFT, published_at=None)
    assert result_titles(search(client, "zebrafish")) == []


def test_empty_search_is_a_normal_page(client, db):
    content = search(client, "")
    assert "<h1>Search</h1>" in content
    assert result_titles(content) == [] and "results for" not in content


def test_search_without_results_says_so(client, guide):
    assert "No pages matched “xylophone”." in search(client, "xylophone")


def test_very_long_search_is_a_normal_page(client, guide):
    content = search(client, "depression " * 1000)
    assert "results for" in content


def test_html_in_the_query_is_never_reflected_unescaped(client, guide):
    content = search(client, '<script>alert(1)</script>"><img src=x onerror=alert(2)>')
    assert "<script>alert(1)" not in content
    assert "<img src=x" not in content
    assert "&lt;script&gt;" in content


@pytest.mark.parametrize(
    "query",
    [
        "\x00ketamine",
        "ketamine\u202e",
        "😀 depression",
        "\ufeff",
        "ＴＭＳ",
        "a" * 10_000,
        "%00",
        "' OR 1=1 --",
        "\\",
        "&&|!:*",
    ],
)
def test_odd_queries_get_a_normal_page(client, guide, query):
    search(client, query)


def test_search_query_is_kept_in_the_search_box_escaped(client, guide):
    content = search(client, 'ket"amine')
    assert 'value="ket&quot;amine"' in content


# Crisis first


def results_of(q):
    return search(Client(), q)


@pytest.mark.parametrize(
    "query",
    [
        "suicide",
        "I want to die",
        "self-harm",
        "thinking about hurting myself",
        "I don’t want to live anymore",
        "I feel unsafe",
        "Suicidal thoughts",
    ],
)
def test_a_query_about_suicide_self_harm_or_danger_shows_crisis_help(client, guide, query):
    assert 'class="search-crisis" role="alert"' in search(client, query)


def test_crisis_help_has_call_and_text_links(client, guide):
    html = search(client, "suicide")
    assert 'href="tel:988"' in html and 'href="sms:988"' in html and 'href="tel:911"' in html


def test_crisis_help_comes_before_the_results_inside_the_main_region(client, guide):
    html = search(client, "suicidal thoughts ketamine")
    main = html[html.index("<main") : html.index("</main>")]
    assert main.index("search-crisis") < main.index('class="results"')


def test_a_crisis_query_never_says_only_no_results(client, guide):
    html = search(client, "suicide")
    assert "help is available now" in html


@pytest.mark.parametrize("query", ["ECT", "effective treatment", "executive function", "prescriber"])
def test_ordinary_queries_show_no_crisis_box(client, guide, query):
    assert "search-crisis" not in search(client, query)


def test_crisis_words_match_whole_words_only():
    assert (crisis.is_crisis("cutting down on coffee"), crisis.is_crisis("executing a plan")) == (True, False)


def test_every_line_of_the_crisis_list_is_a_usable_phrase():
    lines = [line for line in crisis.PHRASES_FILE.read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert all(crisis.normalize(line) for line in lines) and len(crisis.phrases()) == len(
        set(map(crisis.normalize, lines))
    )


# Whole words and abbreviations


def test_ect_never_matches_inside_other_words(client, guide):
    titles = result_titles(search(client, "ECT"))
    assert "Side effect" not in titles and len(titles) < 8


@pytest.mark.parametrize(
    "abbreviation, term",
    [
        ("ECT", "Electroconvulsive therapy"),
        ("TMS", "Transcranial magnetic stimulation"),
        ("IFS", "Internal family systems"),
        ("EMDR", "EMDR"),
        ("TRD", "Treatment-resistant depression"),
    ],
)
def test_an_abbreviation_finds_its_term_first(client, guide, abbreviation, term):
    assert result_titles(search(client, abbreviation))[0] == term


# The words patients use


@pytest.mark.parametrize(
    "query, term",
    [
        ("Spravato", "Esketamine"),
        ("shock therapy", "Electroconvulsive therapy"),
        ("Prozac", "Antidepressant"),
        ("magnetic therapy", "Transcranial magnetic stimulation"),
        ("talking therapy", "Psychotherapy"),
    ],
)
def test_brand_names_and_lay_phrases_find_the_guides_term(client, guide, query, term):
    assert result_titles(search(client, query))[0] == term


def test_an_alias_also_finds_guide_sections_that_use_the_terms_name(client, guide):
    html = search(client, "Spravato")
    assert "Guide section" in html


def test_a_synonym_staff_add_is_used_by_search(client, guide):
    Synonym.objects.create(phrase="zap therapy", means="electroconvulsive therapy")
    assert result_titles(search(client, "zap therapy"))[0] == "Electroconvulsive therapy"


def test_publishers_edit_synonyms_in_the_admin_with_history(publisher_client, guide):
    response = publisher_client.post(
        "/admin/articles/synonym/add/", {"phrase": "Zap therapy", "means": "electroconvulsive therapy", "note": ""}
    )
    assert response.status_code == 302
    synonym = Synonym.objects.get(phrase="zap therapy")
    assert publisher_client.get(f"/admin/articles/synonym/{synonym.pk}/history/").status_code == 200
    from reversion.models import Version

    assert Version.objects.get_for_object(synonym).count() == 1


def test_a_synonym_whose_meaning_the_guide_never_uses_is_refused(publisher_client, guide):
    response = publisher_client.post(
        "/admin/articles/synonym/add/", {"phrase": "zap", "means": "zorbification", "note": ""}
    )
    assert "The guide never uses “zorbification”" in response.content.decode()
    assert not Synonym.objects.filter(phrase="zap").exists()


def test_editors_can_read_but_not_change_synonyms(editor_client, guide):
    assert editor_client.get("/admin/articles/synonym/").status_code == 200
    assert editor_client.get("/admin/articles/synonym/add/").status_code == 403


# Stemming and questions


def test_a_plural_finds_the_singular(client, make_article):
    make_article(title="Notes", body="## Care\n\nOne zorbic treatment helped.")
    assert "Care" in result_titles(search(client, "zorbic treatments"))


def test_a_verb_form_finds_another(client, make_article):
    make_article(title="Notes", body="## Care\n\nIt helped a great deal with quibbling.")
    assert "Care" in result_titles(search(client, "quibbles"))


def test_a_question_in_plain_words_ranks_the_section_that_answers_it(client, guide):
    assert "It’s not your fault" in result_titles(search(client, "is my depression my fault?"))[:3]


def test_a_question_need_not_contain_every_word(client, guide):
    assert result_titles(search(client, "what are the side effects of ketamine zorbification"))


# Typos


def test_a_misspelt_medicine_still_finds_its_term(client, guide):
    assert result_titles(search(client, "ketmine"))[0] == "Ketamine"


def test_a_misspelling_offers_did_you_mean_with_the_corrected_search(client, guide):
    assert 'Did you mean <a href="/search/?q=depression">depression</a>?' in search(client, "depresion")


def test_a_correct_inflected_word_is_not_taken_for_a_typo(client, guide):
    assert "Did you mean" not in search(client, "antidepressants worked")


# Nothing found


def test_nothing_found_offers_the_four_parts_of_the_guide(client, guide):
    html = search(client, "xylophone")
    assert all(article.title in html for article in Article.objects.published().parts())


def test_nothing_found_offers_the_crisis_line(client, guide):
    assert "If you are struggling right now, call or text" in search(client, "xylophone")


def test_nothing_found_suggests_close_glossary_terms(guide):
    from articles.search import _closest_terms

    assert [t.term for t in _closest_terms("ketamin infusions")][0] == "Ketamine"


# Bad input: FTS5 and tsquery syntax is never passed through


@pytest.mark.parametrize(
    "query",
    [
        '"',
        'ket"amine',
        "NEAR(ketamine",
        "ketamine OR",
        "AND AND",
        "*",
        "title:ketamine",
        "^ketamine",
        "(((",
        "ketamine) OR (",
        "-ketamine",
        "NOT ketamine",
        "k*",
        "'''",
        "ketamine & | ! :",
        "кетамин депрессия",
        "ケタミン",
        "x" * 300,
    ],
)
def test_query_syntax_characters_get_a_clean_page(client, guide, query):
    search(client, query)


# The index follows the content


def test_an_edited_section_is_found_by_its_new_words(client, make_article):
    article = make_article(title="Notes", body="## Care\n\nOld words.")
    article.body = "## Care\n\nFresh zorbic words."
    article.save()
    assert "Care" in result_titles(search(client, "zorbic"))


def test_an_unpublished_article_leaves_search(client, make_article):
    article = make_article(title="Notes", body="## Care\n\nZorbic words.")
    article.status = Article.Status.DRAFT
    article.save()
    assert result_titles(search(client, "zorbic")) == []


def test_a_deleted_term_leaves_the_index(make_term):
    term = make_term("Zorbic", definition="A made-up word.")
    term.delete()
    assert not SearchEntry.objects.filter(title="Zorbic").exists()


def test_rebuild_search_index_command_indexes_every_published_passage(guide):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert out.getvalue() == f"Indexed {SearchEntry.objects.count()} passages.\n"
    assert SearchEntry.objects.filter(term__isnull=False).count() == GlossaryTerm.objects.published().count()


def test_a_crisis_query_with_no_results_suggests_no_glossary_words(client, guide):
    assert "Glossary words that look close" not in search(client, "suicide")


# Cost


def test_search_builds_its_lexicon_once_per_content_version_in_4_queries(big_site, django_assert_num_queries):
    from articles import search

    with django_assert_num_queries(4):  # terms, synonyms, passages, parts: whatever the site's size
        search.lexicon()
    with django_assert_num_queries(0):
        search.lexicon()
