"""The review screen of a pending change: what would change, where to preview it, and the
Publisher's decision (approve with a clinical review, or send back with a comment)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from reversion_compare.helpers import html_diff

from . import reviews, workflow
from .forms import display
from .models import GlossaryTerm, PendingChange


class DecisionForm(forms.Form):
    """A Publisher's decision. The review fields start from the Editor's own review if it covers
    the proposed words, and are empty otherwise: an old review is never offered for new words."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    reviewed_by = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Reviewed by",
        help_text="The clinician who reviewed these words. You may record a colleague’s review; the history names you.",
    )
    last_reviewed = forms.DateField(required=False, label="Review date", help_text="e.g. 2026-11-28")
    next_review_due = forms.DateField(required=False, label="Next review due", help_text="e.g. a year after the review")
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Comment for the Editor",
        help_text="Needed when sending a change back: say what to fix.",
    )

    def __init__(self, *args, conflicts=(), model=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewed_by"].queryset = reviews.reviewers()
        self.fields["reviewed_by"].label_from_instance = reviews.reviewer_label
        for name in conflicts:
            label = capfirst(model._meta.get_field(name).verbose_name)
            self.fields[f"keep_{name}"] = forms.ChoiceField(
                choices=[("live", f"Keep the live {label.lower()}"), ("proposed", f"Use the proposed {label.lower()}")],
                widget=forms.RadioSelect,
                required=False,
                label=f"{label}: which version goes live?",
            )

    def choices(self) -> dict:
        return {name[5:]: value for name, value in self.cleaned_data.items() if name.startswith("keep_") and value}


@admin.register(PendingChange)
class PendingChangeAdmin(admin.ModelAdmin):
    list_display = ["item_title", "kind", "state", "author", "updated_at"]
    list_filter = ["state"]
    list_display_links = None
    ordering = ["-updated_at"]

    # Everyone who edits content may look; decisions are checked per action.

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.change_article") or request.user.has_perm("articles.change_glossaryterm")

    has_module_permission = has_view_permission

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article", "term", "author")

    @admin.display(description="Article or term")
    def item_title(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:articles_pendingchange_review", args=[obj.pk]), obj.item
        )

    @admin.display(description="Kind")
    def kind(self, obj):
        return "Glossary term" if obj.term_id else "Article"

    def get_urls(self):
        review = self.admin_site.admin_view(self.review_view)
        return [path("<int:pk>/review/", review, name="articles_pendingchange_review"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:articles_pendingchange_review", args=[object_id]))

    # The review screen

    def review_view(self, request, pk):
        change = get_object_or_404(PendingChange.objects.select_related("article", "term", "author"), pk=pk)
        if not self.has_view_permission(request):
            raise PermissionDenied("Only staff who edit the guide can see pending changes.")
        item = change.item
        model = type(item)
        may_decide = workflow.can_publish(request.user, model)
        conflicts = self.conflicts(change)
        review_problem = workflow.change_review_problem(change) if change.is_open else None
        own_review = self.own_review(change) if review_problem is None else {}
        form = DecisionForm(
            request.POST or None,
            conflicts=conflicts if may_decide else (),
            model=model,
            initial={**own_review, "seen": workflow.fingerprint(change)},
        )
        if request.method == "POST" and not change.is_open:
            messages.error(request, f"Nothing was done: this change was already {change.get_state_display().lower()}.")
            return HttpResponseRedirect(request.path)
        if request.method == "POST":
            response = self.decide(request, change, form, own_review)
            if response is not None:
                return response
        context = {
            **self.admin_site.each_context(request),
            "title": f"Review the change to “{item}”",
            "opts": self.opts,
            "change": change,
            "item": item,
            "kind": self.kind(change),
            "rows": self.rows(change),
            "conflicts": [self.conflict_row(change, name) for name in conflicts],
            "form": form,
            "may_decide": may_decide,
            "may_submit": change.state in (PendingChange.State.DRAFT, PendingChange.State.SENT_BACK),
            "may_withdraw": change.is_open and (request.user == change.author or may_decide),
            "previews": self.previews(change),
            "edit_url": reverse(f"admin:articles_{model._meta.model_name}_change", args=[item.pk]),
            "live_url": item.get_absolute_url() if getattr(item, "is_visible", False) else None,
            "review_problem": review_problem,
            "own_review": own_review,
        }
        return TemplateResponse(request, "admin/articles/pendingchange/review.html", context)

    @staticmethod
    def own_review(change) -> dict:
        """The review recorded in the change (or, for a draft to publish, in the draft), as form values."""
        source = change.proposed or workflow.values_of(change.item, workflow.REVIEW)
        return {name: source.get(name) for name in workflow.REVIEW}

    def decide(self, request, change, form, own_review):
        action = request.POST.get("action")
        back = HttpResponseRedirect(reverse("admin:index"))
        try:
            if action == "submit":
                workflow.submit(change, request.user)
                messages.success(request, f"Sent “{change.item}” to the Publishers for review.")
                return back
            if action == "withdraw":
                workflow.withdraw(change, request.user)
                messages.success(request, f"Withdrew the change to “{change.item}”. The live version is unchanged.")
                return back
            if action not in ("approve", "send_back"):
                messages.error(request, "Choose approve, send back, submit or withdraw.")
                return None
            if not workflow.can_publish(request.user, type(change.item)):
                raise PermissionDenied("Only a Publisher can approve or send back a change.")
            if not form.is_valid():
                return None
            if action == "send_back":
                workflow.send_back(change, request.user, form.cleaned_data["comment"])
                messages.success(request, f"Sent the change to “{change.item}” back with your comment.")
                return back
            data = form.cleaned_data
            review = {
                "reviewer": data["reviewed_by"],
                "last_reviewed": data["last_reviewed"],
                "next_review_due": data["next_review_due"],
            }
            submitted = {
                "reviewed_by": workflow.encode(data["reviewed_by"]),
                "last_reviewed": workflow.encode(data["last_reviewed"]),
                "next_review_due": workflow.encode(data["next_review_due"]),
            }
            if review["reviewer"] is None or (own_review and submitted == own_review):
                review = None  # the Editor's own review of these words stands, with its author
            workflow.approve(change, request.user, seen=data["seen"], review=review, choices=form.choices())
        except workflow.Conflict as conflict:
            labels = [capfirst(type(change.item)._meta.get_field(name).verbose_name) for name in conflict.fields]
            form.add_error(
                None,
                "The live version changed since this change was made. Choose, field by field, "
                f"which version goes live: {', '.join(labels)}.",
            )
            return None
        except workflow.ProposalChanged as changed:
            form.data = {**form.data.dict(), "seen": workflow.fingerprint(PendingChange.objects.get(pk=change.pk))}
            form.add_error(None, changed.messages[0])
            return None
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return None
        messages.success(request, f"Approved: the change to “{change.item}” is live.")
        return back

    # What the screen shows

    def conflicts(self, change) -> list[str]:
        if not change.proposed or not change.is_open:
            return []
        live = workflow.values_of(type(change.item).objects.get(pk=change.item.pk), change.proposed)
        return workflow.merge(change.base, live, change.proposed)[1]

    def conflict_row(self, change, name):
        model = type(change.item)
        live = workflow.values_of(model.objects.get(pk=change.item.pk), [name])[name]
        return {
            "name": name,
            "label": capfirst(model._meta.get_field(name).verbose_name),
            "live": display(model, name, live),
            "proposed": display(model, name, change.proposed[name]),
        }

    def rows(self, change):
        """Each field the change would alter: the live value and the proposed one, with a diff."""
        model = type(change.item)
        live = workflow.values_of(model.objects.get(pk=change.item.pk), change.proposed)
        rows = []
        for name in workflow.changed_fields(live, change.proposed):
            before, after = display(model, name, live[name]), display(model, name, change.proposed[name])
            rows.append({"label": capfirst(model._meta.get_field(name).verbose_name), "diff": html_diff(before, after)})
        return rows

    def previews(self, change):
        item = change.item
        links = [(f"“{item}” as it will look", workflow.preview_url(item, change))]
        if isinstance(item, GlossaryTerm):
            proposed = workflow.proposed_item(change) if change.proposed else item
            links += [
                (f"“{a.title}”, which uses this term", workflow.preview_url(a, change))
                for a in workflow.articles_using(proposed)
            ]
        return links
