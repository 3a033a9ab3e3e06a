"""The admin side of the review workflow, shared by articles and glossary terms.

The change form edits what its user may change: an Editor of a live item edits its pending
change (the live row is never saved), a Publisher edits the live item. History, compare,
restore and recover come from django-reversion, but a restore brings back one item's words
only and goes through the same form and rules as any other edit.
"""

import copy

import reversion
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from markdownx.models import MarkdownxField
from markdownx.widgets import AdminMarkdownxWidget
from reversion.models import Version
from reversion_compare.admin import CompareVersionAdmin

from . import markdown_limits, reading_level, reviews, workflow
from .models import PendingChange, render_preview
from .views import staff_only

SUBMIT = "_submit_review"
FORM_ONLY = ("base", "review_confirmed", "take_over_address")


@staff_only
@require_POST
def markdownify_preview(request):
    """markdownx's live preview: the page's own pipeline, with reading level and time above it."""
    if not (request.user.has_perm("articles.change_article") or request.user.has_perm("articles.change_glossaryterm")):
        raise PermissionDenied("Only staff who edit the guide can use the preview.")
    if "content" not in request.POST:
        return HttpResponseBadRequest("No content to preview.")
    too_costly = markdown_limits.problem(request.POST["content"])
    if too_costly:
        return HttpResponse(format_html('<p class="preview-error">Not shown: {}</p>', too_costly))
    html = render_preview(request.POST["content"])
    grade, minutes = reading_level.readability(html)
    warning = (
        f" Above grade {reading_level.READING_GRADE_LIMIT}: shorter sentences help tired readers."
        if (grade > reading_level.READING_GRADE_LIMIT)
        else ""
    )
    stats = format_html(
        '<p class="preview-stats">Grade {} (Flesch-Kincaid) · about {} min read.{}</p>', grade, minutes, warning
    )
    return HttpResponse(stats + html)


class EditorialAdmin(CompareVersionAdmin):
    formfield_overrides = {MarkdownxField: {"widget": AdminMarkdownxWidget}}
    restore_permission = ""
    rendered_field = ""  # the stored HTML the reading level is measured on
    change_list_template = "admin/articles/editorial_change_list.html"
    change_form_template = "admin/articles/editorial_change_form.html"
    compare_fields = ()  # set per model: only what staff edit, never stored HTML

    # Roles

    def can_restore(self, request):
        return request.user.has_perm(self.restore_permission)

    def can_publish(self, request):
        return workflow.can_publish(request.user, self.model)

    has_publish_permission = can_publish

    def get_readonly_fields(self, request, obj=None):
        fields = ["reading_level"]
        if not self.can_publish(request):
            fields += list(workflow.spec_for(self.model).publishing)
        return fields

    def get_fieldsets(self, request, obj=None):
        """The "take over this old address" box appears only to a Publisher whose chosen address
        still redirects to another live page."""
        fieldsets = copy.deepcopy(super().get_fieldsets(request, obj))
        slug = request.POST.get("slug", "")
        clash = request.method == "POST" and slug and workflow.address_problem(obj or self.model(), slug)
        if not (self.can_publish(request) and clash):
            for _, options in fieldsets:
                options["fields"] = [name for name in options["fields"] if name != "take_over_address"]
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_queryset(self, request):
        open_changes = PendingChange.objects.filter(state__in=PendingChange.OPEN_STATES)
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("changes", queryset=open_changes, to_attr="open_changes"))
        )

    # What the form shows

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            return None
        change = workflow.open_change(obj)
        if change is not None and workflow.edits_become_pending(request.user, obj):
            workflow.apply(obj, change.proposed)  # in memory only: the Editor continues the pending change
        restoring = getattr(request, "restore_values", None)
        if restoring:
            # The form starts from what is saved now, so the restored words count as this person's edit.
            obj.edit_base = workflow.values_of(obj, workflow.spec_for(obj).editable)
            workflow.apply(obj, restoring)
        return obj

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            pending = workflow.open_change(obj)
            context.update(
                pending=pending,
                edits_become_pending=workflow.edits_become_pending(request.user, obj),
                review_url=reverse("admin:articles_pendingchange_review", args=[pending.pk]) if pending else None,
                history_url=reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[obj.pk]),
            )
        context.update(
            can_publish=self.can_publish(request),
            conflicts=getattr(context.get("adminform") and context["adminform"].form, "conflicts", []),
            submit_name=SUBMIT,
            time_zone=timezone.get_current_timezone_name(),
        )
        response = super().render_change_form(request, context, add, change, form_url, obj)
        pending = context.get("pending")
        if pending is not None and context.get("edits_become_pending"):
            # The form shows the pending change, so "View on site" shows it too, as patients would see it.
            response.context_data.update(absolute_url=workflow.preview_url(obj, pending), has_absolute_url=True)
        return response

    # Saving

    def save_model(self, request, obj, form, change):
        spec = workflow.spec_for(obj)
        if change and workflow.edits_become_pending(request.user, obj):
            values = workflow.values_of(obj, spec.proposed)
            request.pending_change = workflow.save_pending(
                obj, values, request.user, submit=SUBMIT in request.POST, review_recorded=form.review_recorded_now
            )
            return
        saved = type(obj).objects.filter(pk=obj.pk).first() if change else None
        before = workflow.values_of(saved, spec.editable) if saved else {}
        workflow.stamp(obj, spec, before, workflow.values_of(obj, spec.editable), form.review_recorded_now)
        super().save_model(request, obj, form, change)
        if SUBMIT in request.POST and not workflow.is_live(obj):
            request.pending_change = workflow.request_publication(obj, request.user)
        grade, _ = reading_level.readability(getattr(obj, self.rendered_field))
        if grade > reading_level.READING_GRADE_LIMIT:
            messages.warning(
                request, f"“{obj}” reads at grade {grade}, above grade {reading_level.READING_GRADE_LIMIT}."
            )

    def save_related(self, request, form, formsets, change):
        if getattr(request, "pending_change", None) is None or not change:
            super().save_related(request, form, formsets, change)

    def construct_change_message(self, request, form, formsets, add=False):
        """History names the fields staff changed, not the form's own workings (its starting point,
        the review tick, the take-over box)."""
        message = super().construct_change_message(request, form, formsets, add)
        hidden = {label for name in FORM_ONLY if name in form.fields for label in (name, str(form[name].label))}
        for entry in message:
            if "changed" in entry:
                entry["changed"]["fields"] = [f for f in entry["changed"]["fields"] if f not in hidden]
        return [entry for entry in message if "changed" not in entry or entry["changed"]["fields"]]

    def log_change(self, request, obj, message):
        if getattr(request, "pending_change", None) is not None:
            fields = [f for entry in message if "changed" in entry for f in entry["changed"]["fields"]]
            message = (
                f"Saved the pending change ({', '.join(fields) or 'no fields changed'}); the live version is unchanged."
            )
        return super().log_change(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        self.note_merge(request)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self.note_merge(request)
        pending = getattr(request, "pending_change", None)
        if pending is None:
            return super().response_change(request, obj)
        if pending.state == PendingChange.State.SUBMITTED:
            text = (
                f"Your change to “{obj}” was sent to the Publishers for review. Patients still see the live "
                "version until it is approved."
            )
        else:
            text = (
                f"Your change to “{obj}” is saved as a pending change. Patients still see the live version. "
                "When it is ready, press “Save and submit for review”."
            )
        messages.success(request, text)
        if "_continue" in request.POST:
            return HttpResponseRedirect(request.path)
        return HttpResponseRedirect(reverse("admin:index"))

    def note_merge(self, request):
        form = getattr(request, "merged_form", None)
        if form is not None and form.merged_from:
            who, when, fields = form.merged_from
            if fields:
                messages.info(request, f"Merged with the version {who} saved{when}: kept their {', '.join(fields)}.")

    def save_form(self, request, form, change):
        request.merged_form = form
        return super().save_form(request, form, change)

    # History: restore one item's words; recover one deleted item

    def revision_view(self, request, object_id, version_id, extra_context=None):
        object_id = unquote(object_id)
        version = get_object_or_404(Version.objects.get_for_model(self.model), pk=version_id, object_id=object_id)
        request.restore_values = workflow.restorable_values(version)
        when = timezone.localtime(version.revision.date_created)
        context = {
            **(extra_context or {}),
            "title": f"Restore the words of “{version.object_repr}”",
            "restoring": {
                "when": when,
                "who": reviews.staff_name(version.revision.user)
                if version.revision.user
                else "the import from content/",
                "fields": [self.model._meta.get_field(n).verbose_name for n in request.restore_values],
            },
        }
        with self.create_revision(request):
            response = self.changeform_view(request, object_id, request.path, context)
            if (
                request.method == "POST"
                and response.status_code == 302
                and not getattr(request, "pending_change", None)
            ):
                reversion.set_comment(f"Restored the words saved at {when:%b %d, %Y %H:%M:%S %Z}.")
        return response

    def recover_view(self, request, version_id, extra_context=None):
        if not self.can_restore(request):
            raise PermissionDenied("Only a Publisher can bring back a deleted item.")
        version = get_object_or_404(Version.objects.get_deleted(self.model), pk=version_id)
        context = {**(extra_context or {}), "title": f"Recover “{version.object_repr}”", "recover": True}
        with transaction.atomic(), self.create_revision(request):
            version.revert()  # this one item, never the other items saved in the same revision
            response = self.changeform_view(request, version.object_id, request.path, context)
            if not (request.method == "POST" and response.status_code == 302):
                response.render()
                transaction.set_rollback(True)
        return response

    def recoverlist_view(self, request, extra_context=None):
        if not self.can_restore(request):
            raise PermissionDenied("Only a Publisher can bring back a deleted item.")
        return super().recoverlist_view(request, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_restore": self.can_restore(request)}
        return super().changelist_view(request, extra_context)

    # Columns and read-only fields

    @admin.display(description="Pending change")
    def pending_state(self, obj):
        change = next(iter(getattr(obj, "open_changes", [])), None)
        if change is None:
            return "—"
        url = reverse("admin:articles_pendingchange_review", args=[change.pk])
        return format_html(
            '<a class="pending-badge pending-{}" href="{}">{}</a>', change.state, url, change.get_state_display()
        )

    @admin.display(description="Clinical review", ordering="next_review_due")
    def review_status(self, obj):
        review = reviews.public_review(obj)
        if review is None:
            return format_html('<strong class="review-overdue">{}</strong>', "Not yet reviewed")
        if review.next_due and review.next_due < timezone.localdate():
            return format_html('<strong class="review-overdue">Overdue since {:%b %d, %Y}</strong>', review.next_due)
        return f"Due {review.next_due:%b %d, %Y}" if review.next_due else f"Reviewed {review.reviewed_on:%b %d, %Y}"

    @admin.display(description="Reading level")
    def reading_level(self, obj):
        # Measured on the words the form shows (for an Editor, the pending change), through the page's pipeline.
        source = getattr(obj, self.rendered_field.removesuffix("_html"), "")
        if not source:
            return "—"
        grade, minutes = reading_level.readability(render_preview(source))
        summary = f"Grade {grade} (Flesch-Kincaid) · about {minutes} min read"
        if grade > reading_level.READING_GRADE_LIMIT:
            return format_html(
                '<strong class="reading-warning">{}: above grade {}.</strong> '
                "Shorter sentences and everyday words help tired readers.",
                summary,
                reading_level.READING_GRADE_LIMIT,
            )
        return summary
