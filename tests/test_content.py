"""The guide as shipped in content/, imported: its parts link the glossary's terms, and the glossary
holds every term the brief requires, each with a short definition."""

import re

import pytest
from pages import DEFINITION, TREATMENT, term_links

from articles.models import GlossaryTerm


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
