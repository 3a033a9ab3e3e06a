from django import forms
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone
from reversion.models import Version

from . import rendering
from .models import Article, GlossaryTerm, OldSlug


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


def broken_internal_links(source: str) -> list[str]:
    """Links in the Markdown to a guide article or glossary term that does not exist."""
    broken = []
    for href in rendering.links_in(source):
        if not href.startswith("/"):
            continue
        path = href.split("#")[0].split("?")[0]
        try:
            match = resolve(path)
        except Resolver404:
            if path.startswith(("/guide/", "/glossary/")):
                broken.append(href)
            continue
        slug = match.kwargs.get("slug")
        if match.view_name == "articles:article_detail":
            exists = Article.objects.filter(slug=slug).exists() or OldSlug.objects.filter(article__isnull=False, slug=slug).exists()
        elif match.view_name == "articles:term_detail":
            exists = GlossaryTerm.objects.filter(slug=slug).exists() or OldSlug.objects.filter(term__isnull=False, slug=slug).exists()
        else:
            exists = True
        if not exists:
            broken.append(href)
    return broken


class EditorialForm(forms.ModelForm):
    """Optimistic locking and link checks shared by the article and term forms.

    The form carries the version it was opened at. If someone else saved since, the
    save is refused with their name and time, the editor's text stays in the form, and
    the form now carries the newer version, so saving again deliberately replaces theirs.
    """

    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    markdown_field = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["lock_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self.check_version(cleaned.get("lock_version"))
        source = cleaned.get(self.markdown_field)
        if source:
            for href in broken_internal_links(source):
                self.add_error(
                    self.markdown_field, f"The link “{href}” does not lead to any article or glossary term. Check the address."
                )
        return cleaned

    def check_version(self, submitted):
        model = type(self.instance)
        # Locked until the admin's transaction ends, so two saves cannot both pass.
        with transaction.atomic():
            rows = model.objects.select_for_update().filter(pk=self.instance.pk)
            current = rows.values_list("version", flat=True).first()
        if current is None or submitted == current:
            return
        latest = Version.objects.get_for_object_reference(model, self.instance.pk).select_related("revision__user").first()
        who = "Someone else"
        when = ""
        if latest is not None:
            user = latest.revision.user
            who = (user.get_full_name() or user.get_username()) if user else "Someone else"
            when = " at " + timezone.localtime(latest.revision.date_created).strftime("%H:%M on %b %d")
        self.data = self.data.copy()
        self.data[self.add_prefix("lock_version")] = current
        raise forms.ValidationError(
            f"{who} saved a newer version{when}, after you opened this page. Your changes were not saved "
            "and are still in the form below. Compare them with the current version in the history, then "
            "save again if yours should replace it.",
            code="stale",
        )


class ArticleForm(EditorialForm):
    markdown_field = "body"

    class Meta:
        model = Article
        fields = "__all__"


class GlossaryTermForm(EditorialForm):
    markdown_field = "explanation"
    aliases = AliasesField(
        required=False,
        help_text="Other names that should link here, one per line, e.g. “TMS”. Plurals are matched automatically.",
    )

    class Meta:
        model = GlossaryTerm
        fields = "__all__"
