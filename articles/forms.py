from django import forms
from django.conf import settings
from django.core import signing
from django.db.models import DateTimeField, ForeignKey
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.text import capfirst

from . import markdown_limits, rendering, reviews, workflow
from .models import Article, GlossaryTerm, OldSlug
from .sources import SourcesField


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
    return broken_links(rendering.links_in(source))


def broken_links(hrefs: list[str]) -> list[str]:
    """The links among hrefs to a guide article or glossary term that does not exist."""
    broken = []
    for href in hrefs:
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
            exists = (
                Article.objects.filter(slug=slug).exists()
                or OldSlug.objects.filter(article__isnull=False, slug=slug).exists()
            )
        elif match.view_name == "articles:term_detail":
            exists = (
                GlossaryTerm.objects.filter(slug=slug).exists()
                or OldSlug.objects.filter(term__isnull=False, slug=slug).exists()
            )
        else:
            exists = True
        if not exists:
            broken.append(href)
    return broken


BASE_SALT = "articles.edit-base"


def signed_values(values: dict) -> str:
    return signing.dumps(values, salt=BASE_SALT, compress=True)


def display(model, name: str, raw) -> str:
    """A JSON field value as staff read it."""
    if raw in (None, "", []):
        return "(empty)"
    field = model._meta.get_field(name)
    if isinstance(field, ForeignKey):
        user = field.related_model.objects.filter(pk=raw).first()
        return reviews.reviewer_label(user) if user else "(someone no longer on staff)"
    if isinstance(raw, list):
        return "; ".join(
            f"{item.get('title')} ({item.get('publisher')}) {item.get('url')}" if isinstance(item, dict) else str(item)
            for item in raw
        )
    return str(raw)


class EditorialForm(forms.ModelForm):
    """Field-by-field merging, role rules and the review rule, shared by the article and term forms.

    The form carries, signed, the values it was opened with (`base`). If someone saved since,
    fields only they changed take their value, fields only this person changed keep theirs, and
    fields both changed differently are shown side by side to settle: saving again never reverts
    a field this person did not touch.
    """

    base = forms.CharField(widget=forms.HiddenInput, required=False)
    sources = SourcesField(required=False, help_text="Sources are shown at the end of the page and in the handout.")
    take_over_address = forms.BooleanField(
        required=False,
        label="Take over this old address",
        help_text="Only if the address used to belong to another live page: its visitors will come here instead.",
    )
    review_confirmed = forms.BooleanField(
        required=False,
        label="The reviewer has reviewed the words as they are in this form",
        help_text="Tick when recording or confirming a review. Changing the words without it leaves them unreviewed.",
    )
    markdown_field = ""
    user = None  # set by the admin for each request
    merged_from: tuple[str, str, list[str]] | None = None  # who, when, fields taken from them
    review_recorded_now = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.markdown_field in self.fields:
            # Leading spaces are Markdown (an indented code block): a save must keep them as written.
            self.fields[self.markdown_field].strip = False
        self.spec = workflow.spec_for(self._meta.model)
        self.conflicts: list[dict] = []
        if not self.is_bound and self.instance.pk:
            start = getattr(self.instance, "edit_base", None) or workflow.values_of(self.instance, self.spec.editable)
            self.fields["base"].initial = signed_values(start)
        if "reviewed_by" in self.fields:
            self.fields["reviewed_by"].queryset = reviews.reviewers()
            self.fields["reviewed_by"].label_from_instance = reviews.reviewer_label
        if self.user is not None and not workflow.can_publish(self.user, self._meta.model):
            self.fields.pop("take_over_address", None)

    @property
    def edited_names(self) -> list[str]:
        return [name for name in self.spec.editable if name in self.fields]

    def clean(self):
        cleaned = super().clean()
        source = cleaned.get(self.markdown_field)
        too_costly = markdown_limits.problem(source or "")
        if too_costly:
            # Said here, before the link check renders it; the model's own validator then skips the field.
            self.add_error(self.markdown_field, too_costly)
        elif source:
            for href in broken_internal_links(source):
                self.add_error(
                    self.markdown_field,
                    f"The link “{href}” does not lead to any article or glossary term. Check the address.",
                )
        self.refuse_publisher_only_changes()
        base = self.opened_with()
        # Recorded by this person in this save: ticked, or a reviewer or date they changed themselves
        # (judged on what they sent, before any merge brings in a colleague's values).
        self.review_recorded_now = bool(cleaned.get("review_confirmed")) or any(
            name in cleaned and workflow.encode(cleaned[name]) != (base or {}).get(name)
            for name in ("reviewed_by", "last_reviewed")
        )
        if self.instance.pk and not self.errors:
            self.merge_with_others(cleaned, base)
        self.check_reviewer(cleaned)
        self.check_address(cleaned)
        if not self.errors:
            self.check_review(cleaned)
        return cleaned

    def refuse_publisher_only_changes(self):
        """Editors see these fields read-only; a request that changes them anyway is refused, not ignored."""
        if self.user is None or workflow.can_publish(self.user, self._meta.model):
            return
        saved = self.instance if self.instance.pk else self._meta.model()
        tried = []
        for name in self.spec.publishing:
            field = self._meta.model._meta.get_field(name)
            keys = [f"{name}_0", f"{name}_1"] if isinstance(field, DateTimeField) else [name]
            posted = [self.data.get(self.add_prefix(key)) for key in keys if self.add_prefix(key) in self.data]
            if not posted:
                continue
            current = field.value_from_object(saved)
            if isinstance(field, DateTimeField):
                local = timezone.localtime(current) if current else None
                expected = [local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")] if local else ["", ""]
                if [p.strip() for p in posted] not in (expected, expected[:1] + [expected[1][:5]]):
                    tried.append(field.verbose_name)
            elif str(posted[0]).strip() != str(current if current is not None else ""):
                tried.append(field.verbose_name)
        if tried:
            raise forms.ValidationError(
                f"Only a Publisher can change {', '.join(tried)}. Nothing was saved; your other edits are "
                "still in the form. Ask a Publisher to publish, schedule or reorder it.",
                code="publisher_only",
            )

    def opened_with(self) -> dict | None:
        """The values the form showed when it was opened (None if missing or tampered with)."""
        if not self.instance.pk:
            return {}
        try:
            return signing.loads(self.data.get(self.add_prefix("base"), ""), salt=BASE_SALT)
        except signing.BadSignature:
            return None

    def merge_with_others(self, cleaned, base):
        theirs, who, when = workflow.current_values(self.instance, self.user)
        names = self.edited_names
        if base is None:
            self.restart_from(theirs)
            raise forms.ValidationError(
                "This form did not say which version it was opened at, so it was not saved. Your text is "
                "still below: check it and save again.",
                code="no_base",
            )
        if all(base.get(name) == theirs.get(name) for name in names):
            return
        mine = {name: workflow.encode(cleaned.get(name)) for name in names if name in cleaned}
        merged, conflicts = workflow.merge(base, theirs, mine)
        name = reviews.staff_name(who)
        at = f" at {timezone.localtime(when):%H:%M:%S %Z on %b %d}" if when else ""
        if conflicts:
            model = self._meta.model
            self.conflicts = [
                {
                    "field": name_,
                    "label": capfirst(model._meta.get_field(name_).verbose_name),
                    "theirs": display(model, name_, theirs[name_]),
                    "mine": display(model, name_, mine[name_]),
                }
                for name_ in conflicts
            ]
            self.restart_from(theirs, keep=conflicts, merged=merged)
            for field in conflicts:
                self.add_error(field, f"{name} changed this too. Their version is shown at the top of the page.")
            raise forms.ValidationError(
                f"{name} saved this{at}, after you opened it, and changed some of the same fields. Fields only "
                "one of you changed are merged below. Where you both changed a field, compare the two versions "
                "at the top: saving again keeps the text in the form.",
                code="conflict",
            )
        taken = [capfirst(self._meta.model._meta.get_field(n).verbose_name) for n in names if merged[n] != mine.get(n)]
        for field, value in merged.items():
            cleaned[field] = self.form_value(field, value)
        self.merged_from = (name, at, taken)

    def restart_from(self, theirs: dict, keep=(), merged=None):
        """Re-show the form as a merge: its base becomes what is saved now, and every field this
        person did not change shows the saved value, so saving again cannot revert it."""
        data = self.data.copy()
        data[self.add_prefix("base")] = signed_values(theirs)
        for name, value in (merged or {}).items():
            if name not in keep:
                for key, text in self.as_post_values(name, value).items():
                    data[self.add_prefix(key)] = text
        self.data = data

    def form_value(self, name, raw):
        value = workflow.decode(self._meta.model, name, raw)
        field = self._meta.model._meta.get_field(name)
        if isinstance(field, ForeignKey) and value is not None:
            return field.related_model.objects.filter(pk=value).first()
        return value

    def as_post_values(self, name, raw) -> dict:
        field = self._meta.model._meta.get_field(name)
        value = workflow.decode(self._meta.model, name, raw)
        if isinstance(field, DateTimeField):
            local = timezone.localtime(value) if value else None
            return {
                f"{name}_0": f"{local:%Y-%m-%d}" if local else "",
                f"{name}_1": f"{local:%H:%M:%S}" if local else "",
            }
        if isinstance(value, list):
            if value and isinstance(value[0], dict):
                return {f"{name}-{i}-{key}": row.get(key, "") for i, row in enumerate(value) for key in row}
            return {name: "\n".join(value)}
        return {name: "" if value is None else str(value)}

    def check_reviewer(self, cleaned):
        """An Editor records only their own review; a Publisher may record a colleague's."""
        reviewer = cleaned.get("reviewed_by")
        if reviewer is None or self.user is None or not self.review_recorded_now:
            return
        if reviewer != self.user and not workflow.can_publish(self.user, self._meta.model):
            self.add_error("reviewed_by", "You can record only your own review. A Publisher can record a colleague’s.")

    def check_address(self, cleaned):
        slug = cleaned.get("slug")
        if not slug or ("slug" not in self.changed_data and self.instance.pk):
            return
        problem = workflow.address_problem(self.instance, slug)
        if problem and not cleaned.get("take_over_address"):
            self.add_error("slug", problem)

    def check_review(self, cleaned):
        """Nothing goes live through the admin without a clinical review that covers its words."""
        if self.user is None or not workflow.can_publish(self.user, self._meta.model):
            return  # an Editor's save never changes what is live
        goes_live = cleaned.get("status", self.instance.status) == workflow.Status.PUBLISHED
        if not goes_live:
            return
        saved = type(self.instance).objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        before = workflow.values_of(saved, self.spec.editable) if saved else {}
        after = {name: workflow.encode(cleaned.get(name)) for name in self.edited_names if name in cleaned}
        probe = type(self.instance)(
            content_changed_at=saved.content_changed_at if saved else None,
            review_recorded_at=saved.review_recorded_at if saved else None,
        )
        workflow.stamp(probe, self.spec, before, {**before, **after}, self.review_recorded_now)
        problem = reviews.problem(
            cleaned.get("reviewed_by"),
            cleaned.get("last_reviewed"),
            cleaned.get("next_review_due"),
            probe.content_changed_at,
            probe.review_recorded_at,
        )
        if problem:
            raise forms.ValidationError(
                f"Not saved: {problem} The review fields are at the bottom of the form.", code="review_needed"
            )


class ArticleForm(EditorialForm):
    markdown_field = "body"

    class Meta:
        model = Article
        fields = "__all__"
        help_texts = {"published_at": f"In the clinic’s time zone ({settings.TIME_ZONE}). A future time schedules it."}


class GlossaryTermForm(EditorialForm):
    markdown_field = "explanation"
    aliases = AliasesField(
        required=False,
        help_text="Other names that should link here, one per line, e.g. “TMS”. Plurals are matched automatically.",
    )

    class Meta:
        model = GlossaryTerm
        fields = "__all__"
