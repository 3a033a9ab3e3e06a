from django.conf import settings


def site(request):
    return {
        "site_name": settings.SITE_NAME,
        "crisis": {
            "text": settings.CRISIS_TEXT,
            "phone": settings.CRISIS_PHONE,
            "sms": settings.CRISIS_SMS,
            "international_url": settings.CRISIS_INTERNATIONAL_URL,
        },
    }
