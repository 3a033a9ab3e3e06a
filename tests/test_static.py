"""What a page loads from static/ and how it is served: the weight budget per page (tests/pages.py),
no web fonts, and hashed, compressed, immutable files (whitenoise, STORAGES in settings.py)."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from pages import PAGE_BUDGET_BYTES, PAGE_BUDGET_REQUESTS, transferred_size


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/guide/what-does-treatment-look-like-for-trd/",
        "/glossary/",
        "/glossary/transcranial-magnetic-stimulation/",
        "/search/?q=ketamine",
    ],
)
def test_every_public_page_is_within_the_weight_budget(client, guide, path):
    total, requests = transferred_size(client, path)
    assert requests <= PAGE_BUDGET_REQUESTS, requests
    assert total <= PAGE_BUDGET_BYTES, total


def test_pages_load_no_web_fonts(client, guide):
    css = Path(finders.find("css/site.css")).read_text(encoding="utf-8")
    assert "@font-face" not in css and "@import" not in css


def test_static_files_are_hashed_compressed_and_immutable(settings, tmp_path, db):
    from django.core.management import call_command
    from django.templatetags.static import static
    from django.test import Client

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    url = static("css/site.css")
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", url)
    client = Client()  # a new handler, so whitenoise scans the freshly collected files
    for encoding in ("br", "gzip"):
        response = client.get(url, HTTP_ACCEPT_ENCODING=encoding)
        response.close()  # a file response: close the file it streams
        assert response["Content-Encoding"] == encoding
        assert "immutable" in response["Cache-Control"] and "max-age=315360000" in response["Cache-Control"]
