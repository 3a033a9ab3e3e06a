"""Hostile markdown, headers, deploy checks, hostile URLs, outages."""

import io
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.db import OperationalError
from payloads import PAYLOADS

from articles.models import Article
from articles.rendering import ALLOWED_TAGS, SAFE_HREF, render_article

REPO = Path(__file__).resolve().parent.parent
SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:", "sms:")
# Our own markup beside the sanitized content: term links, section links, forms (search, share,
# the report form), QR code.
SITE_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "link",
    "script",
    "body",
    "a",
    "header",
    "nav",
    "main",
    "footer",
    "aside",
    "section",
    "article",
    "div",
    "span",
    "form",
    "label",
    "input",
    "button",
    "figure",
    "figcaption",
    "svg",
    "g",
    "path",
    "h1",
    "ol",
    "dl",
    "dt",
    "dd",
    "details",
    "summary",
    "textarea",
}


class Inspector(HTMLParser):
    """Collects everything in a page that could run script or fetch from another host."""

    def __init__(self, allowed=ALLOWED_TAGS | SITE_TAGS):
        super().__init__(convert_charrefs=True)
        self.problems, self.allowed = [], allowed

    def handle_starttag(self, tag, attrs):
        if tag not in self.allowed:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            folded = re.sub(r"[\x00-\x20]", "", value).lower()
            if name.startswith("on") or name in {"style", "srcset", "formaction", "background", "poster", "srcdoc"}:
                self.problems.append(f"<{tag} {name}>")
            if name == "href" and not (SAFE_HREF.match(value) or value.startswith("sms:")):
                self.problems.append(f"<{tag} href={value!r}> has no plain safe scheme")
            if name in {"href", "src", "action", "xlink:href", "data"}:
                if ":" in folded.split("/")[0] and not folded.startswith(SAFE_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value!r}>")
                if name != "href" and not value.startswith("/"):
                    self.problems.append(f"<{tag} {name}={value!r}> loads from elsewhere")
            if tag == "script" and name == "src" and value != "/static/js/site.js":
                self.problems.append(f"<script src={value!r}>")
            if tag == "meta" and name == "http-equiv":
                self.problems.append("<meta http-equiv>")
            if tag == "link" and name == "rel" and value not in {"stylesheet", "icon", "canonical"}:
                self.problems.append(f"<link rel={value}>")


def inert_problems(html, allowed=ALLOWED_TAGS | SITE_TAGS):
    inspector = Inspector(allowed)
    inspector.feed(str(html))
    inspector.close()
    return inspector.problems


def test_the_corpus_has_at_least_100_payloads():
    assert len(PAYLOADS) >= 100


def test_inspector_catches_a_live_payload():
    assert inert_problems('<img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>') != []


def test_no_payload_survives_the_rendering_pipeline():
    # The sanitizer's own output may hold only its allowlist (and our term and section links).
    found = {p: inert_problems(render_article(p).html, ALLOWED_TAGS | {"a"}) for p in PAYLOADS}
    assert {p: problems for p, problems in found.items() if problems} == {}


def test_no_payload_survives_an_article_page(client, make_article):
    article = make_article(body="\n\n".join(PAYLOADS), summary="Safe summary.")
    content = client.get(article.get_absolute_url()).content.decode()
    assert inert_problems(content) == []


def test_no_payload_survives_as_an_article_summary_or_title(client, make_article):
    for i, payload in enumerate(PAYLOADS):
        make_article(title=payload[:200], summary=payload[:300], slug=f"a-{i}", order=i)
    content = client.get("/").content.decode()
    assert inert_problems(content) == []


def test_no_payload_survives_a_glossary_definition_or_explanation(client, make_term):
    for i, payload in enumerate(PAYLOADS):
        make_term(f"Term {i}", slug=f"term-{i}", definition=payload[:300], explanation=payload)
    assert inert_problems(client.get("/glossary/").content.decode()) == []
    problems = {}
    for i in range(len(PAYLOADS)):
        found = inert_problems(client.get(f"/glossary/term-{i}/").content.decode())
        if found:
            problems[PAYLOADS[i]] = found
    assert problems == {}


def test_no_payload_survives_the_admin_live_preview(admin_client):
    problems = {}
    for payload in PAYLOADS:
        found = inert_problems(admin_client.post("/markdownx/markdownify/", {"content": payload}).content.decode())
        if found:
            problems[payload] = found
    assert problems == {}


def test_no_payload_survives_import_content(client, db, tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "glossary").mkdir()
    for i, payload in enumerate(PAYLOADS):
        article = {"title": payload[:200], "slug": f"x-{i}", "order": i, "summary": payload[:300]}
        (tmp_path / "articles" / f"x-{i}.md").write_text(
            f"---\n{yaml.safe_dump(article)}---\n{payload}\n", encoding="utf-8"
        )
        term = {"term": f"Hostile {i}", "slug": f"hostile-{i}", "definition": payload[:300]}
        (tmp_path / "glossary" / f"h-{i}.md").write_text(
            f"---\n{yaml.safe_dump(term)}---\n{payload}\n", encoding="utf-8"
        )
    call_command("import_content", path=tmp_path, stdout=io.StringIO())
    assert Article.objects.count() == len(PAYLOADS)
    for article in Article.objects.all():
        assert inert_problems(article.body_html) == [], article.body
    assert inert_problems(client.get("/").content.decode()) == []
    assert inert_problems(client.get("/glossary/").content.decode()) == []


# Headers


CSP_REQUIRED = [
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "script-src 'self'",
]


def public_and_admin_urls(guide):
    return [
        "/",
        "/glossary/",
        "/glossary/ketamine/",
        "/search/?q=tms",
        "/no-such-page/",
        "/admin/login/",
        *[a.get_absolute_url() for a in guide],
    ]


def test_every_response_has_a_strict_content_security_policy(client, guide):
    for url in public_and_admin_urls(guide):
        policy = client.get(url)["Content-Security-Policy"]
        for directive in CSP_REQUIRED:
            assert directive in policy, (url, directive)
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url


def test_every_response_has_the_other_security_headers(client, guide):
    for url in public_and_admin_urls(guide):
        response = client.get(url)
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
        assert response["X-Frame-Options"] == "DENY"


def test_hsts_is_sent_over_https_in_production(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_staff_views_send_the_csp_too(admin_client, make_article):
    article = make_article()
    response = admin_client.get(f"/admin/articles/article/{article.pk}/change/")
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_check_deploy_reports_no_warnings_with_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SECRET_KEY="p" * 20 + "-production-secret-key-that-is-long-and-random-9f8e7d6c5b4a",
        DJANGO_ALLOWED_HOSTS="guide.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_admin_url_is_configurable():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    code = "import django; django.setup(); from django.urls import reverse; print(reverse('admin:index'))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={
            **env,
            "DJANGO_DEBUG": "true",
            "DJANGO_ADMIN_URL": "staff-desk/",
            "DJANGO_SETTINGS_MODULE": "trd_site.settings",
        },
    )
    assert result.stdout.strip() == "/staff-desk/"


# Hostile URLs


@pytest.mark.parametrize(
    "url",
    [
        "/guide/" + "a" * 10_000 + "/",
        "/glossary/" + "b" * 10_000 + "/",
        "/guide/%00/",
        "/glossary/ket%00amine/",
        "/guide/%ff%fe/",
        "/guide/../../etc/passwd",
        "/guide/%2e%2e/%2e%2e/etc/passwd",
        "/static/../trd_site/settings.py",
        "/glossary/ｋetamine/",
        "/guide/what-is-treatment-resistant-depression%c0%af/",
        "/preview/%00/",
        "/search/?q=%00%ff",
        "/" + "x" * 10_000,
    ],
)
def test_hostile_urls_get_400_or_404_never_500(client, guide, url):
    assert client.get(url).status_code in (200, 400, 404)


def test_error_pages_show_no_stack_trace_or_settings(client, db, monkeypatch, settings):
    def explode():
        raise RuntimeError("internal detail " + settings.SECRET_KEY)

    monkeypatch.setattr("articles.views.guide_pages", explode)
    client.raise_request_exception = False
    response = client.get("/")
    content = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in content
    assert "Traceback" not in content and "internal detail" not in content and settings.SECRET_KEY not in content


def test_database_outage_gives_a_clean_503(client, db, monkeypatch):
    def unreachable():
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("articles.views.guide_pages", unreachable)
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "taking a short break" in response.content.decode()
    assert 'href="tel:988"' in response.content.decode()
