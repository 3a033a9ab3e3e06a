import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import reversion
from django.core.management import call_command
from django.utils import timezone
from pages import SITE

from articles import content_version
from articles.models import Article, GlossaryTerm, rerender_all

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_browser_skipped = []


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Tests don't run collectstatic, so use storage that needs no manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def pytest_sessionstart(session):
    """With REDIS_URL set, stop at once, saying why, if Redis does not answer: the cache would degrade
    silently and the caching tests fail one by one for no visible reason."""
    url = os.environ.get("REDIS_URL")
    if url:
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        except redis.RedisError as error:
            pytest.exit(f"REDIS_URL is set but Redis does not answer at {url}: {error}", returncode=1)


def redis_url_for_this_worker(worker_id: str) -> str:
    """REDIS_URL with its database number moved up by the xdist worker's number (gw1: /11 for /10), so two
    test processes never empty each other's cache. Without xdist: REDIS_URL as given."""
    url = urlsplit(os.environ["REDIS_URL"])
    base = int(url.path.strip("/") or 0)
    worker = int(worker_id.removeprefix("gw")) if worker_id.startswith("gw") else 0
    return urlunsplit(url._replace(path=f"/{base + worker}"))


@pytest.fixture(scope="session", autouse=True)
def redis_cache(worker_id):
    """With REDIS_URL set, the cache is Redis as settings.py configures it from REDIS_URL (CI runs the
    caching tests so), on one database per test process: that database's URL. Without it: None."""
    if not os.environ.get("REDIS_URL"):
        yield None
        return
    from django.conf import settings
    from django.core.cache import cache
    from django.test import override_settings

    url = redis_url_for_this_worker(worker_id)
    with override_settings(CACHES={"default": {**settings.CACHES["default"], "LOCATION": url}}):
        yield url
        cache.clear()


@pytest.fixture(autouse=True)
def empty_cache(redis_cache):
    """Each test starts with no cached pages and no content version (with Redis: its database emptied)."""
    from django.core.cache import cache

    from articles import content_version, page_cache

    cache.clear()
    content_version.forget_local_state()
    page_cache.forget_local_state()


@pytest.fixture
def site_url(settings):
    """SITE_URL set, as in production: canonical links, link previews, the sitemap and the share box use it."""
    settings.SITE_URL = SITE


@pytest.fixture
def make_article(db):
    counter = iter(range(1, 10_000))

    def make(**overrides):
        n = next(counter)
        fields = {
            "title": f"Article {n}",
            "slug": f"article-{n}",
            "summary": f"Summary of article {n}.",
            "body": f"## Section {n}\n\nBody text of article {n}.",
            "order": n,
            "status": Article.Status.PUBLISHED,
            "published_at": timezone.now() - timezone.timedelta(days=1),
        }
        fields.update(overrides)
        with reversion.create_revision():  # as the admin and the import do: every item has history
            return Article.objects.create(**fields)

    return make


@pytest.fixture
def make_term(db):
    def make(term, **overrides):
        fields = {
            "term": term,
            "slug": term.lower().replace(" ", "-"),
            "definition": f"What {term} means.",
            "status": GlossaryTerm.Status.PUBLISHED,
        }
        fields.update(overrides)
        with reversion.create_revision():
            return GlossaryTerm.objects.create(**fields)

    return make


@pytest.fixture
def article_about_ketamine(make_article):
    """A live article whose words name Ketamine and brain stimulation, before any term exists."""
    return make_article(body="Ketamine is one option. Brain stimulation is another.")


@pytest.fixture
def stored_renders(monkeypatch):
    """The slugs of the articles and terms whose stored HTML was rendered, in order."""
    rendered = []
    for model in (Article, GlossaryTerm):
        original = model.render
        monkeypatch.setattr(
            model, "render", lambda self, matcher, _o=original: rendered.append(self.slug) or _o(self, matcher)
        )
    return rendered


@pytest.fixture
def content_dir(tmp_path):
    """A writable copy of the repository's content/ folder."""
    target = tmp_path / "content"
    shutil.copytree(REPO / "content", target)
    return target


_guide_fixture = {}


def load_guide(tmp_path_factory) -> None:
    """Import content/ once per test process, then load the rows it made as a Django fixture
    (a tenth of the time: nothing is rendered again)."""
    with open(os.devnull, "w") as quiet:
        path = _guide_fixture.get("path")
        if path is not None:
            call_command("loaddata", str(path), stdout=quiet)
            return
        call_command("import_content", path=REPO / "content", stdout=quiet)
        path = tmp_path_factory.mktemp("guide") / "guide.json"
        # Staff profiles belong to users (not dumped) that a test made before asking for the guide.
        call_command(
            "dumpdata",
            "articles",
            "reversion",
            exclude=["articles.StaffProfile"],
            natural_foreign=True,
            output=str(path),
            stdout=quiet,
        )
        _guide_fixture["path"] = path


@pytest.fixture
def guide(db, tmp_path_factory):
    """The real guide, imported from content/."""
    load_guide(tmp_path_factory)
    return Article.objects.published()


@pytest.fixture
def big_site(db, settings):
    """50 articles and 2,000 glossary terms, rendered once like after an import."""
    settings.CONTENT_VERSION_CHECK_SECONDS = 60  # the once-a-second version check is not what is measured
    GlossaryTerm.objects.bulk_create(
        GlossaryTerm(
            term=f"Term number {i}",
            slug=f"term-{i}",
            definition=f"Meaning {i}.",
            aliases=[f"tn{i}"],
            status=GlossaryTerm.Status.PUBLISHED,
        )
        for i in range(2000)
    )
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            title=f"Part {i}",
            slug=f"part-{i}",
            summary=f"Summary {i}.",
            order=i,
            status="published",
            published_at=now - timezone.timedelta(days=1),
            body=f"## Section {i}\n\nUses term number {i}, tn{i + 1} and term number {i + 2}.",
        )
        for i in range(50)
    )
    rerender_all()
    content_version.content_version()  # as on any running site: the version exists before readers come


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: install it with 'apt-get install -y chromium'"
        if os.environ.get("CI"):
            pytest.fail(f"CI=true and {message}")
        _browser_skipped.append(message)
        pytest.skip(f"BROWSER TESTS SKIPPED. {message}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def pytest_terminal_summary(terminalreporter):
    if _browser_skipped:
        terminalreporter.write_sep("!", "BROWSER TESTS WERE SKIPPED", red=True, bold=True)
        terminalreporter.write_line(_browser_skipped[0], red=True)


@pytest.fixture
def live_guide(live_server, transactional_db, tmp_path_factory):
    """The real guide, imported and served by a live server for browser tests."""
    load_guide(tmp_path_factory)
    return live_server


def staff_user(username, group=None, superuser=False, credentials=""):
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.models import Group, User

    if group and not Group.objects.filter(name=group).exists():
        # A transactional test flushed the roles the data migration made: make them again.
        import_module("articles.migrations.0003_roles").create_roles(apps, None)

    user = User.objects.create_user(
        username,
        password="correct horse battery staple",
        is_staff=True,
        is_superuser=superuser,
        first_name=username.title(),
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    if credentials:
        from articles.models import StaffProfile

        StaffProfile.objects.create(user=user, display_name=f"Dr. {username.title()}", credentials=credentials)
    return user


@pytest.fixture
def make_staff(db):
    return staff_user


@pytest.fixture
def editor(db):
    return staff_user("erin", "Editor")


@pytest.fixture
def publisher(db):
    return staff_user("pat", "Publisher")


@pytest.fixture
def clinician(db):
    """A Publisher who is also a clinician: can be named as a reviewer."""
    return staff_user("rao", "Publisher", credentials="MD, psychiatrist")


@pytest.fixture
def clinician_client(clinician):
    from django.test import Client

    client = Client()
    client.force_login(clinician)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def publisher_client(client, publisher):
    client.force_login(publisher)
    return client


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def axe_source():
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


@pytest.fixture
def axe_violations(axe_source):
    """Run axe-core in the page; injected with evaluate() because the CSP allows no inline script."""

    def run(page):
        page.evaluate(axe_source)
        result = page.evaluate(
            "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
        )
        return [f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes']][:5]}" for v in result["violations"]]

    return run
