"""The floor for bench/run.py: the least a Django project needs to answer the article in production.

Settings, URLconf and WSGI application in one module; the page is the article's HTML as the running
site sent it (BENCH_ARTICLE_HTML, saved by run.py), read once at start-up.
"""

import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "bench-floor-only")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
]
INSTALLED_APPS = []
DATABASES = {}
STATIC_URL = "/static/"
USE_TZ = True
ARTICLE_HTML = Path(os.environ["BENCH_ARTICLE_HTML"]).read_bytes()


def article(request, slug):
    return HttpResponse(ARTICLE_HTML, content_type="text/html; charset=utf-8")


urlpatterns = [path("guide/<slug:slug>/", article)]  # resolved like the site's article URL
application = get_wsgi_application()
