"""`manage.py check` refuses environment defaults the admin would refuse: they show while no settings are saved."""

from django.core import checks
from django.core.exceptions import ValidationError

from .models import SiteSettings

ENVIRONMENT = {
    "clinic_name": "TRD_CLINIC_NAME",
    "crisis_text": "TRD_CRISIS_TEXT",
    "crisis_phone": "TRD_CRISIS_PHONE",
    "crisis_sms": "TRD_CRISIS_SMS",
    "crisis_line_name": "TRD_CRISIS_LINE_NAME",
    "emergency_number": "TRD_EMERGENCY_NUMBER",
    "international_url": "TRD_CRISIS_INTERNATIONAL_URL",
}


@checks.register()
def environment_defaults(app_configs=None, **kwargs):
    try:
        SiteSettings.from_environment().clean_fields(exclude=["id", "updated_at"])
    except ValidationError as error:
        return [
            checks.Error(f"{ENVIRONMENT.get(field, field)}: {' '.join(messages)}", id="clinic.E001")
            for field, messages in error.message_dict.items()
        ]
    return []
