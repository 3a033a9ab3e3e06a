"""trd_site/settings.py: loaded from the environment in a fresh interpreter as a server loads it, and
what the middleware, headers and database options it sets do."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

REPO = Path(__file__).resolve().parent.parent


def load_settings(**env):
    """Import the settings in a fresh interpreter with exactly these DJANGO_* variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import trd_site.settings as s; print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.DATABASES['default']['ENGINE'])",
        ],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_secret_key_is_required_when_debug_is_off():
    result = load_settings()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_set():
    assert load_settings(DJANGO_SECRET_KEY="x").stdout.split()[0] == "False"


def test_debug_runs_without_a_secret_key():
    assert load_settings(DJANGO_DEBUG="true").returncode == 0


def test_ssl_redirect_is_on_by_default_without_debug():
    assert load_settings(DJANGO_SECRET_KEY="x").stdout.split()[1] == "True"


def test_default_database_is_sqlite():
    assert load_settings(DJANGO_DEBUG="true").stdout.split()[2] == "django.db.backends.sqlite3"


def test_database_url_selects_postgresql():
    result = load_settings(DJANGO_DEBUG="true", DATABASE_URL="postgres://u@127.0.0.1:5432/trd")
    assert result.stdout.split()[2] == "django.db.backends.postgresql"


def settings_value(expression: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "TRD_"))}
    return subprocess.run(
        [sys.executable, "-c", f"import trd_site.settings as s; print({expression})"],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_a_wildcard_host_without_a_site_url_is_refused_at_start_up():
    result = settings_value("s.SITE_URL", DJANGO_SECRET_KEY="x", DJANGO_ALLOWED_HOSTS="*")
    assert result.returncode != 0
    assert "set TRD_SITE_URL" in result.stderr


def test_a_wildcard_host_with_a_site_url_starts():
    result = settings_value(
        "s.SITE_URL", DJANGO_SECRET_KEY="x", DJANGO_ALLOWED_HOSTS="*", TRD_SITE_URL="https://guide.example.org"
    )
    assert result.stdout.strip() == "https://guide.example.org"


def test_staff_sessions_last_a_working_day_by_default():
    assert settings_value("s.SESSION_COOKIE_AGE", DJANGO_DEBUG="true").stdout.strip() == str(10 * 3600)


def test_staff_session_length_is_configurable():
    result = settings_value("s.SESSION_COOKIE_AGE", DJANGO_DEBUG="true", DJANGO_SESSION_HOURS="8")
    assert result.stdout.strip() == str(8 * 3600)


def test_a_log_line_is_printed_once_in_debug():
    code = "import django, logging; django.setup(); logging.getLogger('django.request').warning('printed once')"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "TRD_"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**clean, "DJANGO_DEBUG": "true", "DJANGO_SETTINGS_MODULE": "trd_site.settings"},
    )
    assert result.stderr.count("printed once") == 1


# Security headers: the middleware and policies settings.py configures


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


# Production settings


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


# The database: simultaneous staff saves and reader requests (SQLite: WAL, a busy timeout, immediate transactions)


WORKER = r"""
import os, sys, django
django.setup()
import reversion
from django.db import close_old_connections
from django.test import Client
from articles.models import Article
role, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
client = Client()
for i in range(rounds):
    if role == "writer":
        with reversion.create_revision():
            article = Article.objects.get(order=1 + (n % 4))
            article.body = article.body + f"\n\nWriter {n} edit {i}."
            article.save()
    else:
        for path in ["/", "/guide/what-is-treatment-resistant-depression/", "/glossary/", "/search/?q=ketamine"]:
            status = client.get(path).status_code
            assert status == 200, (path, status)
print("ok")
"""


def worker_env(database_url, static_root):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_URL")}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="trd_site.settings",
        DJANGO_SECRET_KEY="test",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_STATIC_ROOT=str(static_root),
    )
    return env


@pytest.fixture
def shared_database(tmp_path, transactional_db):
    """(env for worker processes, with a database they can all open and collected static files)."""
    static_root = tmp_path / "static"
    if connection.vendor == "sqlite":
        env = worker_env(f"sqlite:///{tmp_path / 'shared.sqlite3'}", static_root)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=REPO, env=env, check=True
        )
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True)
        subprocess.run(
            [sys.executable, "manage.py", "import_content"], cwd=REPO, env=env, check=True, capture_output=True
        )
        return env
    call_command("import_content", path=REPO / "content", stdout=io.StringIO())
    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    env = worker_env(url, static_root)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=REPO, env=env, check=True)
    return env


def test_simultaneous_staff_saves_and_reader_requests_never_fail(shared_database):
    env = shared_database
    rounds = 15
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, role, str(n), str(rounds)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for role in ("writer", "reader")
        for n in range(4)
    ]
    # communicate() drains both pipes while waiting, so a chatty worker cannot block on a full pipe.
    outcomes = [(*w.communicate(timeout=300), w.returncode) for w in workers]
    outcomes = [(code, out, err) for out, err, code in outcomes]
    failures = [err[-2000:] for code, out, err in outcomes if code != 0]
    assert failures == []
    assert not any("database is locked" in err for _, _, err in outcomes)
    # Every writer's every save is there: none overwrote another's.
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from articles.models import Article; "
            "print(sum(a.body.count('Writer ') for a in Article.objects.all()))",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.stdout.strip() == str(4 * rounds)


def on_sqlite(code: str, tmp_path) -> str:
    """Run code in a fresh interpreter, settings.py loaded for a SQLite database file as on a server."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "TRD_"))}
    env = {
        **clean,
        "DJANGO_DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "trd_site.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_a_sqlite_database_runs_in_wal_mode_so_readers_never_wait_for_a_save(tmp_path):
    code = "import django; django.setup(); from django.db import connection; c = connection.cursor(); "
    code += "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    assert on_sqlite(code, tmp_path) == "wal"


TWO_SAVES = r"""
import threading, time
import django
django.setup()
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE saves (who TEXT)")
connection.close()
errors = []


def save(who, pause):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM saves")  # a save reads (the lock version) before it writes
            time.sleep(pause)
            cursor.execute("INSERT INTO saves VALUES (%s)", [who])
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()


first = threading.Thread(target=save, args=("first", 0.5))
second = threading.Thread(target=save, args=("second", 0))
first.start()
time.sleep(0.1)
second.start()
first.join()
second.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT who FROM saves ORDER BY who")
    print(errors, [row[0] for row in cursor.fetchall()])
"""


def test_on_sqlite_a_save_that_starts_during_another_waits_for_it_instead_of_failing(tmp_path):
    # Deferred transactions would fail the first save with "database is locked": its read was overtaken.
    assert on_sqlite(TWO_SAVES, tmp_path) == "[] ['first', 'second']"
