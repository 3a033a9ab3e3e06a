"""The synonym list in the admin: Publishers edit it, with history; Editors can read it."""

from django import forms
from django.contrib import admin
from reversion_compare.admin import CompareVersionAdmin

from . import crisis, search_index
from .models import Synonym


class SynonymForm(forms.ModelForm):
    class Meta:
        model = Synonym
        fields = ["phrase", "means", "note"]

    def clean_phrase(self):
        phrase = " ".join(self.cleaned_data["phrase"].split())
        if not crisis.normalize(phrase):
            raise forms.ValidationError("Type the words a reader might search for.")
        return phrase.casefold()

    def clean_means(self):
        means = " ".join(self.cleaned_data["means"].split())
        if not crisis.normalize(means) or not search_index.find([], [means]):
            raise forms.ValidationError(
                f"The guide never uses “{means}”, so searching for it would find nothing. Use the guide’s own words."
            )
        return means


@admin.register(Synonym)
class SynonymAdmin(CompareVersionAdmin):
    form = SynonymForm
    list_display = ["phrase", "means", "note"]
    search_fields = ["phrase", "means", "note"]
    history_latest_first = True
