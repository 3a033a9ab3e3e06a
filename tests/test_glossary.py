import re

import pytest
from admin_forms import edit
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from articles.models import Article, GlossaryTerm

TREATMENT = "what-does-treatment-look-like-for-trd"
DEFINITION = "what-is-treatment-resistant-depression"


def term_links(html):
    """{slug: linked text} for every term link in a piece of HTML."""
    return dict(re.findall(r'<a class="term" href="/glossary/([^/]+)/" data-term="[^"]+">([^<]+)</a>', html))


# The real guide


@pytest.mark.parametrize(
    "slug, text",
    [
        ("augmentation", "Augmentation strategies"),
        ("ketamine", "Ketamine"),
        ("esketamine", "esketamine"),
        ("transcranial-magnetic-stimulation", "TMS"),
        ("electroconvulsive-therapy", "ECT"),
        ("emdr", "EMDR"),
        ("internal-family-systems", "IFS"),
    ],
)
def test_treatment_article_links_each_treatment_to_its_glossary_page(guide, slug, text):
    assert term_links(guide.get(slug=TREATMENT).body_html)[slug] == text


@pytest.mark.parametrize(
    "slug, text",
    [("adequate-trial", "adequate trials"), ("adherence", "adherence"), ("therapeutic-dose", "therapeutic dose")],
)
def test_definition_article_explains_adequate_trials_and_adherence(guide, slug, text):
    assert term_links(guide.get(slug=DEFINITION).body_html)[slug] == text


def test_no_heading_in_the_guide_contains_a_term_link(guide):
    for article in guide:
        headings = re.findall(r"<h[1-6][^>]*>.*?</h[1-6]>", article.body_html, flags=re.S)
        assert headings and not any('class="term"' in h for h in headings)


def test_article_page_carries_the_definitions_of_terms_it_uses(client, guide):
    content = client.get(guide.get(slug=TREATMENT).get_absolute_url()).content.decode()
    ketamine = GlossaryTerm.objects.get(slug="ketamine")
    assert 'id="word-ketamine"' in content
    assert ketamine.definition in content
    assert 'href="/glossary/ketamine/">More about Ketamine</a>' in content


def test_every_required_term_is_in_the_glossary(guide):
    required = [
        "treatment-resistant-depression",
        "adequate-trial",
        "antidepressant",
        "therapeutic-dose",
        "adherence",
        "augmentation",
        "ketamine",
        "esketamine",
        "transcranial-magnetic-stimulation",
        "electroconvulsive-therapy",
        "emdr",
        "internal-family-systems",
        "bipolar-disorder",
        "psychosocial-stressors",
        "trauma-informed-care",
        "nutritional-psychiatry",
        "prescriber",
        "psychiatry",
    ]
    assert set(required) <= set(GlossaryTerm.objects.values_list("slug", flat=True))


def test_glossary_definitions_are_short(guide):
    assert max(len(t.definition) for t in GlossaryTerm.objects.all()) <= 300


# Model rules


def test_definition_over_300_characters_is_refused(db):
    term = GlossaryTerm(term="Long", slug="long", definition="x" * 301)
    with pytest.raises(ValidationError) as error:
        term.full_clean()
    assert "definition" in error.value.message_dict


def test_alias_used_by_another_term_is_refused(make_term):
    make_term("Transcranial magnetic stimulation", aliases=["TMS"])
    term = GlossaryTerm(term="Other", slug="other", definition="x", aliases=["tms"])
    with pytest.raises(ValidationError) as error:
        term.full_clean()
    assert "already used by “Transcranial magnetic stimulation”" in error.value.message_dict["aliases"][0]


def test_explanation_links_other_terms_but_not_itself(make_term):
    make_term("Esketamine")
    term = make_term("Ketamine", explanation="Ketamine is related to esketamine.")
    assert set(term_links(term.explanation_html)) == {"esketamine"}


# Freshness: a glossary change reaches every article


@pytest.fixture
def article_about_ketamine(make_article):
    return make_article(body="Ketamine is one option. Brain stimulation is another.")


def test_adding_a_term_links_it_in_existing_articles(
    make_term, article_about_ketamine, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_term("Ketamine")
    assert "ketamine" in term_links(Article.objects.get(pk=article_about_ketamine.pk).body_html)


def test_renaming_a_term_updates_its_links(make_term, article_about_ketamine, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        term = make_term("Ketamine")
    with django_capture_on_commit_callbacks(execute=True):
        term.term, term.slug = "Brain stimulation", "brain-stimulation"
        term.save()
    links = term_links(Article.objects.get(pk=article_about_ketamine.pk).body_html)
    assert links == {"brain-stimulation": "Brain stimulation"}


def test_deleting_a_term_removes_its_links(make_term, article_about_ketamine, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        term = make_term("Ketamine")
    with django_capture_on_commit_callbacks(execute=True):
        term.delete()
    assert term_links(Article.objects.get(pk=article_about_ketamine.pk).body_html) == {}


def test_publishing_a_new_term_in_the_admin_shows_on_the_next_page_view(
    clinician, client, article_about_ketamine, django_capture_on_commit_callbacks
):
    staff = Client()
    staff.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        response = edit(
            staff,
            "/admin/articles/glossaryterm/add/",
            term="Ketamine",
            slug="ketamine",
            definition="A medicine.",
            status="published",
            reviewed_by=str(clinician.pk),
            last_reviewed=str(timezone.localdate()),
            next_review_due=str(timezone.localdate() + timezone.timedelta(days=365)),
        )
    assert response.status_code == 302
    content = client.get(article_about_ketamine.get_absolute_url()).content.decode()
    assert 'href="/glossary/ketamine/" data-term="ketamine">Ketamine</a>' in content


def test_admin_aliases_are_entered_one_per_line(admin_client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        edit(
            admin_client,
            "/admin/articles/glossaryterm/add/",
            term="Transcranial magnetic stimulation",
            slug="tms",
            aliases="TMS\r\nrTMS, TMS",
            definition="Magnetic pulses.",
        )
    assert GlossaryTerm.objects.get(slug="tms").aliases == ["TMS", "rTMS"]


def test_admin_refuses_a_long_definition_and_keeps_the_text(admin_client, db):
    response = admin_client.post(
        "/admin/articles/glossaryterm/add/",
        {"term": "Long", "slug": "long", "aliases": "", "definition": "y" * 301, "explanation": "kept"},
    )
    assert response.status_code == 200
    assert "at most 300 characters" in response.content.decode()
    assert "y" * 301 in response.content.decode()
    assert not GlossaryTerm.objects.exists()


def test_page_view_does_not_match_glossary_terms(client, make_term, article_about_ketamine, monkeypatch):
    from articles.rendering import GlossaryMatcher

    make_term("Ketamine")

    def fail(*args, **kwargs):
        raise AssertionError("glossary matched on a page view")

    monkeypatch.setattr(GlossaryMatcher, "find", fail)
    assert client.get(article_about_ketamine.get_absolute_url()).status_code == 200


# Glossary pages


def test_glossary_lists_every_term_with_its_definition(client, guide):
    content = client.get("/glossary/").content.decode()
    for term in GlossaryTerm.objects.all():
        assert f'<a href="{term.get_absolute_url()}">{term.term}</a>' in content
        assert term.definition in content


def test_glossary_groups_terms_by_first_letter_in_order(client, make_term):
    for name in ["Zeta", "alpha", "Beta", "Bravo"]:
        make_term(name)
    content = client.get("/glossary/").content.decode()
    assert re.findall(r'<h2 id="letter-(.)-title">', content) == ["A", "B", "Z"]
    assert content.index(">Beta<") < content.index(">Bravo<") < content.index(">Zeta<")


def test_glossary_has_a_letter_jump_bar(client, make_term):
    make_term("Alpha")
    make_term("Zeta")
    content = client.get("/glossary/").content.decode()
    assert 'href="#letter-A"' in content and 'href="#letter-Z"' in content
    assert 'id="letter-A"' in content


def test_term_page_shows_term_aliases_definition_and_explanation(client, make_term):
    term = make_term(
        "Transcranial magnetic stimulation",
        slug="tms",
        aliases=["TMS", "rTMS"],
        definition="Uses magnetic pulses.",
        explanation="Done **awake**.",
    )
    content = client.get(term.get_absolute_url()).content.decode()
    assert "<h1>Transcranial magnetic stimulation</h1>" in content
    assert "Also called: TMS, rTMS" in content
    assert "Uses magnetic pulses." in content
    assert "Done <strong>awake</strong>." in content


def test_term_page_links_to_the_section_where_each_article_uses_it(client, guide):
    content = client.get("/glossary/electroconvulsive-therapy/").content.decode()
    assert f'href="/guide/{TREATMENT}/#paths-forward">What Does Treatment Look Like for TRD?</a>' in content


def test_term_page_lists_only_published_articles(client, make_term, make_article):
    make_term("Ketamine")
    make_article(title="Draft about it", body="Ketamine.", status=Article.Status.DRAFT, published_at=None)
    assert "Draft about it" not in client.get("/glossary/ketamine/").content.decode()


def test_unknown_term_is_a_404(client, db):
    assert client.get("/glossary/no-such-term/").status_code == 404
