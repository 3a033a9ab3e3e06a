"""The models' own rules (articles/models.py), checked by full_clean() as every form and the import do."""

import pytest
from django.core.exceptions import ValidationError
from pages import term_links

from articles.models import GlossaryTerm

# Glossary terms


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
