"""Site settings in the admin: one record, opened directly. Publishers change it, with history; Editors read it."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version
from reversion_compare.admin import CompareVersionAdmin

from articles.reviews import staff_name

from .models import SiteSettings

REFUSED = "Only a Publisher can change the site settings (the crisis help, the home page's words and the clinic name)."
PHONE = forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "class": "vTextField"})
WIDE = forms.TextInput(attrs={"class": "vLargeTextField"})


class SiteSettingsForm(forms.ModelForm):
    # When the record was last saved as this form started: a later save by someone else is never overwritten unseen.
    started_from = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = SiteSettings
        fields = [
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
        saved = self.instance.updated_at
        self.fields["started_from"].initial = saved.isoformat() if saved else ""

    def clean(self):
        cleaned = super().clean()
        saved = SiteSettings.objects.filter(pk=1).values_list("updated_at", flat=True).first()
        if saved is not None and cleaned.get("started_from", "") != saved.isoformat():
            # The form comes back with this person's values; saving it again replaces the other save, knowingly.
            self.data = self.data.copy()
            self.data["started_from"] = saved.isoformat()
            last = Version.objects.get_for_object_reference(SiteSettings, 1).select_related("revision__user").first()
            who = staff_name(last.revision.user if last else None)
            raise ValidationError(
                f"{who} saved the site settings at {timezone.localtime(saved):%H:%M:%S} while you were editing, "
                "so nothing was saved. Your values are still in the form: compare them with the History, "
                "then save again to replace theirs.",
                code="saved_meanwhile",
            )
        return cleaned


@admin.register(SiteSettings)
class SiteSettingsAdmin(CompareVersionAdmin):
    form = SiteSettingsForm
    history_latest_first = True
    fieldsets = [
        (
            "Crisis help, on every page",
            {
                "fields": [
                    "crisis_text",
                    "crisis_phone",
                    "crisis_sms",
                    "crisis_line_name",
                    "emergency_number",
                    "international_url",
                ]
            },
        ),
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
        return [(name, {**options, "fields": [*options["fields"], "started_from"]}), *rest]

    def get_object(self, request, object_id, from_field=None):
        if object_id != "1":
            return None
        return SiteSettings.objects.filter(pk=1).first() or SiteSettings.from_environment()

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
