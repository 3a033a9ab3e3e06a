from .phone_numbers import digits
from .site_settings import current


def site_settings(request):
    """The clinic's words for every template; `crisis.*_link` are the tel:/sms: links, digits only."""
    values = current()
    return {
        "clinic_name": values.clinic_name,
        "home": {"title": values.home_title, "introduction": values.home_introduction},
        "crisis": {
            "text": values.crisis_text,
            "line_name": values.crisis_line_name,
            "phone": values.crisis_phone,
            "phone_link": "tel:" + digits(values.crisis_phone),
            "sms": values.crisis_sms,
            "sms_link": "sms:" + digits(values.crisis_sms),
            "emergency": values.emergency_number,
            "emergency_link": "tel:" + digits(values.emergency_number),
            "international_url": values.international_url,
        },
    }
