from django import forms

from .models import GlossaryTerm


class AliasesField(forms.CharField):
    """Aliases edited as one per line (commas work too), stored as a list."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        names = [name.strip() for line in text.splitlines() for name in line.split(",")]
        return list(dict.fromkeys(name for name in names if name))


class GlossaryTermForm(forms.ModelForm):
    aliases = AliasesField(
        required=False,
        help_text="Other names that should link here, one per line, e.g. “TMS”. Plurals are matched automatically.",
    )

    class Meta:
        model = GlossaryTerm
        fields = ["term", "slug", "aliases", "definition", "explanation"]
