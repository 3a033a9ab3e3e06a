from django.conf import settings


def site(request):
    # The clinic's own words (crisis help, home page, clinic name): clinic.context_processors.
    return {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "canonical_url": settings.SITE_URL + request.path,
    }
