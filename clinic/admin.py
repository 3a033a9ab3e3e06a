"""Site settings in the admin: one record, opened directly. Publishers change it, with history; Editors read it."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version
from reversion_compare.admin import CompareVersionAdmin

from articles.reviews import staff_name
from articles.workflow import merge

from .models import SiteSettings

REFUSED = "Only a Publisher can change the site settings (the crisis help, the home page's words and the clinic name)."
PHONE = forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "class": "vTextField"})
WIDE = forms.TextInput(attrs={"class": "vLargeTextField"})


# The fields staff edit, in the form's order: six of crisis help, two of the home page, the clinic's name.
EDITED = [
    "crisis_text",
    "crisis_phone",
    "crisis_sms",
    "crisis_line_name",
    "emergency_number",
    "international_url",
    "home_title",
    "home_introduction",
    "clinic_name",
]


class SiteSettingsForm(forms.ModelForm):
    # The values this form started from: a colleague's save in the meantime is merged field by field
    # (articles.workflow.merge), never overwritten unseen.
    started_with = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = SiteSettings
        fields = EDITED
        widgets = {
            "crisis_text": forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
            "crisis_phone": PHONE,
            "crisis_sms": PHONE,
            "crisis_line_name": WIDE,
            "emergency_number": PHONE,
            "international_url": forms.URLInput(attrs={"class": "vURLField"}),
            "home_title": WIDE,
            "home_introduction": forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"}),
        }
        error_messages = {
            "crisis_text": {"required": "The crisis notice shows at the top of every page: it cannot be empty."}
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["started_with"].initial = json.dumps(self.values_of(self.instance))
        self.kept_theirs: list[str] = []
        self.colleague = ""

    @classmethod
    def values_of(cls, record) -> dict:
        return {name: getattr(record, name) for name in EDITED}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            base = json.loads(cleaned.get("started_with") or "")
        except ValueError:
            base = None
        if not isinstance(base, dict):
            raise ValidationError(
                "This form was opened in an unknown state, so nothing was saved. Open Site settings again."
            )
        current = SiteSettings.objects.filter(pk=1).first() or SiteSettings.from_environment()
        theirs = self.values_of(current)
        mine = {name: cleaned.get(name) for name in EDITED}
        merged, conflicts = merge(base, theirs, mine)
        self.colleague = last_saved_by()
        if conflicts:
            # The form comes back holding their values for every field this person left alone, and starts
            # from what is saved now: saving again keeps only the fields shown below as theirs to decide.
            data = self.data.copy()
            data["started_with"] = json.dumps(theirs)
            for name in EDITED:
                if name not in conflicts and mine[name] == base.get(name):
                    data[name] = theirs[name]
            self.data = data
            both = "; ".join(
                f"{self.fields[name].label}: theirs “{theirs[name]}”, yours “{mine[name]}”" for name in conflicts
            )
            raise ValidationError(
                f"{self.colleague} saved the site settings at {timezone.localtime(current.updated_at):%H:%M:%S} while "
                f"you were editing, and changed the same field{'s' if len(conflicts) > 1 else ''}, so nothing was saved. "
                f"Changed by both of you: {both}. The form now holds their other changes; save again to keep yours "
                "in these fields.",
                code="saved_meanwhile",
            )
        self.kept_theirs = [name for name in EDITED if mine[name] == base.get(name) != theirs[name]]
        cleaned.update(merged)
        return cleaned


def last_saved_by() -> str:
    last = Version.objects.get_for_object_reference(SiteSettings, 1).select_related("revision__user").first()
    return staff_name(last.revision.user if last else None)


@admin.register(SiteSettings)
class SiteSettingsAdmin(CompareVersionAdmin):
    form = SiteSettingsForm
    history_latest_first = True
    compare_fields = EDITED  # the history page says only the fields staff edit are shown
    fieldsets = [
        ("Crisis help, on every page", {"fields": EDITED[:6]}),
        ("Home page", {"fields": ["home_title", "home_introduction"]}),
        ("Clinic", {"fields": ["clinic_name"]}),
    ]

    def has_add_permission(self, request):
        return False  # the one record is always there to change (from the environment's defaults until saved)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self.has_change_permission(request, obj):
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": [*options["fields"], "started_with"]}), *rest]

    def get_object(self, request, object_id, from_field=None):
        if object_id != "1":
            return None
        return SiteSettings.objects.filter(pk=1).first() or SiteSettings.from_environment()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.kept_theirs:
            labels = ", ".join(str(form.fields[name].label) for name in form.kept_theirs)
            messages.info(request, f"{form.colleague} saved in the meantime; their change to {labels} was kept.")

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:clinic_sitesettings_change", args=[1]))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Django would refuse too, but with no reason given: say what is refused and who can do it.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied(REFUSED)
        extra_context = {
            **(extra_context or {}),
            "never_saved": not SiteSettings.objects.filter(pk=1).exists(),
            "refused": REFUSED,
        }
        return super().changeform_view(request, object_id, form_url, extra_context)
