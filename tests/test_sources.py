"""Sources: entered in the admin, carried through review and history, shown on the page and
in the handout, imported from and exported to front matter."""

import io

import pytest
from admin_forms import edit, reviewed
from django.core.management import call_command

from articles.models import Article, GlossaryTerm, PendingChange

FDA = {
    "title": "FDA approves nasal spray as monotherapy",
    "publisher": "US Food and Drug Administration",
    "url": "https://www.fda.gov/example",
    "accessed": "2026-11-01",
}


def source_rows(*sources):
    return {f"sources-{i}-{key}": value for i, source in enumerate(sources) for key, value in source.items()}


def test_a_publisher_adds_a_source_in_the_admin(clinician_client, clinician, make_article):
    article = make_article()
    edit(clinician_client, f"/admin/articles/article/{article.pk}/change/", **source_rows(FDA), **reviewed(clinician))
    assert Article.objects.get(pk=article.pk).sources == [FDA]


def test_a_source_url_that_is_not_http_is_a_form_error_naming_it(clinician_client, clinician, make_article):
    article = make_article()
    response = edit(
        clinician_client,
        f"/admin/articles/article/{article.pk}/change/",
        **source_rows({**FDA, "url": "javascript:alert(1)"}),
        **reviewed(clinician),
    )
    assert "Source 1: the URL must be a web address starting with http:// or https://." in response.content.decode()
    assert Article.objects.get(pk=article.pk).sources == []


def test_a_source_without_a_publisher_is_a_form_error(clinician_client, clinician, make_term):
    term = make_term("Esketamine")
    response = edit(
        clinician_client,
        f"/admin/articles/glossaryterm/{term.pk}/change/",
        **source_rows({**FDA, "publisher": ""}),
        **reviewed(clinician),
    )
    assert "Source 1: the publisher is missing." in response.content.decode()
    assert GlossaryTerm.objects.get(pk=term.pk).sources == []


def test_an_editors_new_source_on_a_live_term_is_a_pending_change(editor_client, make_term):
    term = make_term("Esketamine")
    edit(editor_client, f"/admin/articles/glossaryterm/{term.pk}/change/", **source_rows(FDA))
    assert GlossaryTerm.objects.get(pk=term.pk).sources == []
    assert PendingChange.objects.get(term=term).proposed["sources"] == [FDA]


def test_changing_sources_needs_a_review_to_go_live(clinician_client, make_article):
    article = make_article()
    response = edit(clinician_client, f"/admin/articles/article/{article.pk}/change/", **source_rows(FDA))
    assert "A clinical review is needed" in response.content.decode()


def test_the_page_lists_sources_with_their_publisher(client, make_article):
    article = make_article(sources=[FDA])
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<h2 id="sources-title">Sources</h2>' in html
    assert 'href="https://www.fda.gov/example"' in html and "US Food and Drug Administration" in html
    assert "Accessed November 1, 2026" in html


def test_a_term_page_lists_its_sources(client, make_term):
    term = make_term("Esketamine", sources=[FDA])
    assert "US Food and Drug Administration" in client.get(term.get_absolute_url()).content.decode()


def write_term(folder, sources_yaml):
    (folder / "glossary" / "esketamine.md").write_text(
        "---\nterm: Esketamine\nslug: esketamine\ndefinition: A medicine.\n" + sources_yaml + "---\n", encoding="utf-8"
    )


def test_sources_are_imported_from_front_matter(content_dir, db):
    write_term(
        content_dir,
        "sources:\n- title: T\n  publisher: NICE\n  url: https://www.nice.org.uk/x\n  accessed: 2026-10-01\n",
    )
    call_command("import_content", path=content_dir, stdout=io.StringIO())
    assert GlossaryTerm.objects.get(slug="esketamine").sources == [
        {"title": "T", "publisher": "NICE", "url": "https://www.nice.org.uk/x", "accessed": "2026-10-01"}
    ]


def test_an_imported_source_with_a_bad_url_stops_the_import_naming_the_file(content_dir, db):
    from django.core.management import CommandError

    write_term(content_dir, "sources:\n- title: T\n  publisher: NICE\n  url: ftp://x\n  accessed: 2026-10-01\n")
    with pytest.raises(CommandError) as error:
        call_command("import_content", path=content_dir, stdout=io.StringIO(), stderr=io.StringIO())
    assert "glossary/esketamine.md: source 1: the URL must be a web address" in str(error.value)
    assert not GlossaryTerm.objects.exists()


def test_export_then_import_keeps_sources(tmp_path, make_term):
    make_term("Esketamine", sources=[FDA])
    call_command("export_content", path=tmp_path / "backup", stdout=io.StringIO())
    GlossaryTerm.objects.all().delete()
    call_command("import_content", path=tmp_path / "backup", stdout=io.StringIO())
    assert GlossaryTerm.objects.get(slug="esketamine").sources == [FDA]


@pytest.mark.browser
def test_the_printed_handout_shows_each_source_address(page, live_server, transactional_db, make_article):
    article = make_article(sources=[FDA])
    page.goto(live_server.url + article.get_absolute_url())
    page.emulate_media(media="print")
    after = page.locator(".sources a").first.evaluate("(a) => getComputedStyle(a, '::after').content")
    assert after == '" (https://www.fda.gov/example)"'


def test_every_page_of_the_guide_shows_at_least_one_source(client, guide):
    pages = [*guide, *GlossaryTerm.objects.published()]
    missing = [
        p.slug
        for p in pages
        if '<h2 id="sources-title">Sources</h2>' not in client.get(p.get_absolute_url()).content.decode()
    ]
    assert missing == []


def test_the_esketamine_term_says_it_may_be_used_alone_and_names_spravato(client, guide):
    html = client.get("/glossary/esketamine/").content.decode()
    assert "Since January 2025 it can be used on its own or together with an" in html
    assert "Spravato" in html and "www.jnj.com" in html


def test_the_ketamine_term_says_its_use_for_depression_is_off_label(client, guide):
    html = client.get("/glossary/ketamine/").content.decode()
    assert "off-label" in html and "not FDA-approved to treat depression" in html


def test_history_records_when_the_sources_were_checked_and_that_it_was_no_clinical_review(guide):
    from reversion.models import Version

    comment = Version.objects.get_for_object(GlossaryTerm.objects.get(slug="esketamine")).first().revision.comment
    assert (
        comment == "Imported from content/. Sources checked against public pages on 2026-11-28 (not a clinical review)."
    )
