"""The floor: the least a Django project needs to answer a page in production (bench/run.py).

Only SecurityMiddleware, WhiteNoise and CommonMiddleware, and one view returning the site's
pre-rendered article (BENCH_ARTICLE_HTML, saved by the harness from the running site).
"""

import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "bench-floor-only")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.floor.urls"
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
]
INSTALLED_APPS = []
DATABASES = {}
STATIC_URL = "/static/"
USE_TZ = True
