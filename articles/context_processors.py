from django.conf import settings


def site(request):
    return {
        "site_name": settings.SITE_NAME,
        "clinic_name": settings.CLINIC_NAME,
        "site_url": settings.SITE_URL,
        "canonical_url": settings.SITE_URL + request.path,
        "crisis": {
            "text": settings.CRISIS_TEXT,
            "line_name": settings.CRISIS_LINE_NAME,
            "emergency": settings.EMERGENCY_NUMBER,
            "phone": settings.CRISIS_PHONE,
            "sms": settings.CRISIS_SMS,
            "international_url": settings.CRISIS_INTERNATIONAL_URL,
        },
    }
