import os
from pathlib import Path

from django.http import HttpResponse
from django.urls import path

HTML = Path(os.environ["BENCH_ARTICLE_HTML"]).read_bytes()  # read once, at start-up


def article(request, slug):
    return HttpResponse(HTML, content_type="text/html; charset=utf-8")


urlpatterns = [path("guide/<slug:slug>/", article)]  # resolved like the site's article URL
