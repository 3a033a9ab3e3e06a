"""The glossary's A-Z with its cross-references, and "Words used on this page" naming each word as
the text says it (articles/glossary_index.py, the term_list and article views)."""

import re
from types import SimpleNamespace

from admin_forms import edit
from django.test import Client

from articles import glossary_index
from articles.models import GlossaryTerm, PendingChange
from articles.rendering import GlossaryMatcher, Term, linked_terms, render_article

TREATMENT = "what-does-treatment-look-like-for-trd"


def glossary_page(client) -> str:
    response = client.get("/glossary/")
    assert response.status_code == 200
    return response.content.decode()


def entries(html: str) -> list[str]:
    """The A-Z's entries in page order, as text: "ECT, see Electroconvulsive therapy" or "Ketamine"."""
    found = []
    for dt, dd in re.findall(r'<div class="term-entry[^"]*">\s*<dt>(.*?)</dt>\s*<dd>(.*?)</dd>', html, re.S):
        name = re.sub(r"<[^>]+>", "", dt)
        found.append(f"{name}, {re.sub(r'<[^>]+>', '', dd)}" if dd.startswith("see ") else name)
    return found


def letter_section(html: str, letter: str) -> str:
    return html.split(f'<section class="letter-group" id="letter-{letter}"')[1].split("</section>")[0]


def words_listed(html: str) -> list[str]:
    """The names in "Words used on this page", in order, as text."""
    names = re.findall(r'<div class="word" id="word-[^"]+" data-term="[^"]+">\s*<dt>(.*?)</dt>', html, re.S)
    return [re.sub(r"<[^>]+>", "", name) for name in names]


def term(name, *aliases):
    return SimpleNamespace(term=name, slug=name.lower().replace(" ", "-"), aliases=list(aliases))


# The A-Z: abbreviations and other names as cross-references


def test_an_abbreviation_is_an_entry_pointing_to_its_term(client, make_term):
    make_term("Electroconvulsive therapy", aliases=["ECT"])
    assert entries(glossary_page(client)) == ["ECT, see Electroconvulsive therapy", "Electroconvulsive therapy"]


def test_a_cross_reference_is_one_link_named_for_the_page_it_opens(client, make_term):
    make_term("Electroconvulsive therapy", aliases=["ECT"])
    html = glossary_page(client)
    link = '<a href="/glossary/electroconvulsive-therapy/">Electroconvulsive therapy</a>'
    assert re.search(rf"<dt>ECT</dt>\s*<dd>see {link}</dd>", html)


def test_a_cross_reference_is_filed_under_its_own_letter(client, make_term):
    make_term("Esketamine", aliases=["Spravato"])
    html = glossary_page(client)
    assert "Spravato" in letter_section(html, "S")
    assert "Spravato" not in letter_section(html, "E")


def test_spelling_variants_of_the_name_get_no_entry(client, make_term):
    make_term(
        "Treatment-resistant depression",
        aliases=["treatment resistant depression", "Treatment-resistant depressions", "TRD"],
    )
    assert entries(glossary_page(client)) == [
        "TRD, see Treatment-resistant depression",
        "Treatment-resistant depression",
    ]


def test_an_alias_filed_beside_its_term_gets_no_entry(client, make_term):
    make_term("Adequate trial", aliases=["adequate antidepressant trial"])
    assert entries(glossary_page(client)) == ["Adequate trial"]


def test_two_spellings_of_one_alias_get_one_entry():
    references = glossary_index.cross_references(term("Trauma-informed care", "TIC", "TICs", "tic"))
    assert references == ["TIC"]


def test_a_lower_case_alias_starts_with_a_capital_and_capitals_are_kept(client, make_term):
    make_term("Psychotherapy", aliases=["talk therapy"])
    make_term("Transcranial magnetic stimulation", slug="tms", aliases=["rTMS"])
    assert entries(glossary_page(client)) == [
        "Psychotherapy",
        "rTMS, see Transcranial magnetic stimulation",
        "Talk therapy, see Psychotherapy",
        "Transcranial magnetic stimulation",
    ]


def test_the_a_to_z_ignores_case(client, make_term):
    for name in ["EMDR", "Electroconvulsive therapy", "esketamine", "Ego"]:
        make_term(name)
    assert entries(glossary_page(client)) == ["Ego", "Electroconvulsive therapy", "EMDR", "esketamine"]


def test_the_a_to_z_ignores_accents_in_order_and_letter(client, make_term):
    for name, slug in [("Électrode", "electrode"), ("Elbow", "elbow"), ("Ego", "ego"), ("Zeta", "zeta")]:
        make_term(name, slug=slug)
    html = glossary_page(client)
    assert entries(html) == ["Ego", "Elbow", "Électrode", "Zeta"]
    assert re.findall(r'<h2 id="letter-(.)-title">', html) == ["E", "Z"]


def test_the_a_to_z_sorts_by_the_whole_name_after_folding():
    names = ["Side effect", "side-effects", "Sidebar", "SIDE"]
    assert sorted(names, key=glossary_index.sort_key) == ["SIDE", "Side effect", "side-effects", "Sidebar"]


def test_a_draft_term_and_its_aliases_are_not_in_the_a_to_z(client, make_term):
    make_term("Ketamine")
    make_term("Vagus nerve stimulation", aliases=["VNS"], status=GlossaryTerm.Status.DRAFT)
    html = glossary_page(client)
    assert "Vagus" not in html and "VNS" not in html


def test_the_real_glossary_lists_the_abbreviations_patients_hear(client, guide):
    listed = entries(glossary_page(client))
    for reference in [
        "ECT, see Electroconvulsive therapy",
        "TMS, see Transcranial magnetic stimulation",
        "IFS, see Internal family systems",
        "TRD, see Treatment-resistant depression",
        "Spravato, see Esketamine",
    ]:
        assert reference in listed


def test_an_alias_edit_shows_on_the_cached_glossary_page(client, make_term, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ketamine = make_term("Esketamine")
    assert "Spravato" not in glossary_page(client)
    assert client.get("/glossary/")["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        ketamine.aliases = ["Spravato"]
        ketamine.save()
    assert "Spravato, see Esketamine" in entries(glossary_page(client))


def test_the_glossary_page_is_cached_like_other_public_pages(client, make_term):
    make_term("Esketamine", aliases=["Spravato"])
    assert client.get("/glossary/")["X-Page-Cache"] == "miss"
    assert client.get("/glossary/")["X-Page-Cache"] == "hit"


# Words used on this page: named as the text names them


def test_rendering_reads_back_the_words_each_term_link_shows():
    glossary = GlossaryMatcher([Term(slug="ifs", names=("Internal family systems", "IFS"), url="/glossary/ifs/")])
    html = render_article("Some try IFS & more. Internal family systems again.", glossary).html
    assert linked_terms(html) == {"ifs": "IFS"}


def test_the_matcher_names_the_glossary_spelling_of_what_it_matched():
    glossary = GlossaryMatcher([Term(slug="psychiatry", names=("Psychiatry", "psychiatrist"), url="")])
    assert (glossary.name_for("Psychiatrists"), glossary.name_for("psychiatry"), glossary.name_for("care")) == (
        "psychiatrist",
        "Psychiatry",
        None,
    )


def test_words_used_names_an_alias_as_the_text_says_it(client, make_term, make_article):
    make_term("Internal family systems", aliases=["IFS"])
    article = make_article(body="Some people try IFS with a therapist.")
    assert words_listed(client.get(article.get_absolute_url()).content.decode()) == ["IFS (Internal family systems)"]


def test_words_used_names_the_term_alone_when_the_text_uses_its_name(client, make_term, make_article):
    make_term("Internal family systems", aliases=["IFS"])
    article = make_article(body="Internal family systems is a talk therapy.")
    assert words_listed(client.get(article.get_absolute_url()).content.decode()) == ["Internal family systems"]


def test_words_used_names_the_term_alone_for_a_plural_or_spelling_variant(client, make_term, make_article):
    make_term("Treatment-resistant depression", aliases=["treatment resistant depression"])
    make_term("Antidepressant")
    article = make_article(body="Treatment resistant depression and antidepressants.")
    html = client.get(article.get_absolute_url()).content.decode()
    assert words_listed(html) == ["Antidepressant", "Treatment-resistant depression"]


def test_words_used_are_in_a_to_z_order_of_the_names_shown(client, make_term, make_article):
    make_term("Electroconvulsive therapy", aliases=["ECT"])
    make_term("EMDR")
    make_term("Esketamine")
    article = make_article(body="Esketamine, EMDR and ECT.")
    html = client.get(article.get_absolute_url()).content.decode()
    assert words_listed(html) == ["ECT (Electroconvulsive therapy)", "EMDR", "Esketamine"]


def test_words_used_keeps_each_definition_and_link(client, make_term, make_article):
    make_term("Internal family systems", slug="ifs", aliases=["IFS"], definition="A talk therapy about parts.")
    article = make_article(body="IFS helps some people.")
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<span class="word-definition">A talk therapy about parts.</span>' in html
    assert '<a class="word-more" href="/glossary/ifs/">More about Internal family systems</a>' in html


def test_words_used_is_one_closed_disclosure_that_counts_its_words(client, make_term, make_article):
    make_term("Ketamine")
    make_term("Esketamine")
    article = make_article(body="Ketamine and esketamine.")
    html = client.get(article.get_absolute_url()).content.decode()
    section = html.split('<section class="words-used"')[1].split("</section>")[0]
    assert re.findall(r"<details[^>]*>", section) == ['<details class="words-used-list">']  # one, closed
    assert re.search(r"<summary><h2 [^>]*>Words used on this page <span [^>]*>\(2\)</span></h2></summary>", section)


def test_the_treatment_article_names_the_abbreviations_it_uses(client, guide):
    html = client.get(guide.get(slug=TREATMENT).get_absolute_url()).content.decode()
    listed = words_listed(html)
    for name in [
        "ECT (Electroconvulsive therapy)",
        "IFS (Internal family systems)",
        "TMS (Transcranial magnetic stimulation)",
        "EMDR",
        "Ketamine",
    ]:
        assert name in listed
    assert "Internal family systems" not in listed


def test_a_proposed_alias_the_text_uses_first_is_named_in_the_preview(editor_client, make_term, make_article):
    term = make_term("Ketamine", definition="A medicine first made for anesthesia.")
    article = make_article(body="Ketalar is a brand. Ketamine is one option.")
    edit(editor_client, f"/admin/articles/glossaryterm/{term.pk}/change/", aliases="Ketalar")
    change = PendingChange.objects.get(term=term)
    preview = editor_client.get(f"/preview/{article.slug}/?change={change.pk}").content.decode()
    public = Client().get(article.get_absolute_url()).content.decode()
    assert (words_listed(preview), words_listed(public)) == (["Ketalar (Ketamine)"], ["Ketamine"])


def test_the_questions_page_names_the_abbreviations_its_questions_use(client, guide):
    """A checklist mentions terms without linking them: the names still come from its text."""
    listed = words_listed(client.get("/guide/questions-for-your-appointment/").content.decode())
    for name in [
        "ECT (Electroconvulsive therapy)",
        "IFS (Internal family systems)",
        "TMS (Transcranial magnetic stimulation)",
    ]:
        assert name in listed
    assert "Internal family systems" not in listed
