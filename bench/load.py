"""Load-and-edit test: public readers and one staff editor at the same time, then a lost-edit check.

    .venv/bin/python bench/load.py --db sqlite|postgres [--nginx] [--seconds 120] [--readers 50] [--workers 2]

wrk's readers rotate over the public pages (load_readers.lua counts responses by status class) of a
fresh site served by gunicorn (with --nginx, through the nginx front made of deploy/'s includes),
while a Publisher in headless Chromium (Playwright) appends a line to an article and saves it every
second. Then every saved edit must be in the article's history and current body, and there must be
no 5xx. Writes bench/results/load-<db>[-nginx].md. Needs wrk and chromium (and nginx with --nginx).
Exit status: 0 fine; 1 a 5xx, a lost edit or an edit not saved; 2 set-up failed.
"""

import argparse
import contextlib
import datetime
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import harness  # noqa: E402
from bench.harness import HOST, HarnessError, log  # noqa: E402

PG = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]


@contextlib.contextmanager
def database(kind, tmp):
    """The URL of a fresh database: a SQLite file in tmp, or a PostgreSQL database dropped on exit."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'db.sqlite3'}"
        return
    name = f"trd_load_{os.getpid()}_{secrets.token_hex(3)}"
    done = subprocess.run(["createdb", *PG, name], capture_output=True, text=True)
    if done.returncode:
        raise HarnessError(f"createdb {name} failed: {done.stderr.strip()}")
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        subprocess.run(["dropdb", *PG, "--if-exists", "--force", name], capture_output=True)
        log(f"dropped PostgreSQL database {name}")


def add_editor():
    """A Publisher who may record reviews: (username, password, user pk)."""
    from django.contrib.auth.models import Group, User

    from articles.models import StaffProfile

    password = secrets.token_urlsafe(18)
    user = User.objects.create_user("load-editor", password=password, is_staff=True)
    user.groups.add(Group.objects.get(name="Publisher"))
    # Live words change only with a recorded review; this throwaway site names its own account.
    StaffProfile.objects.create(user=user, display_name="Load test", credentials="benchmark account, not a clinician")
    return user.username, password, user.pk


def edit(page, number, reviewer_pk):
    """On the open change form: append a line to the body, record the review, "Save and continue editing"."""
    from django.utils import timezone
    from playwright.sync_api import Error

    marker = f"Edit {number} at {datetime.datetime.now().isoformat(timespec='microseconds')}"
    today = timezone.localdate()  # the site's date: a review dated tomorrow is refused
    started = time.monotonic()
    try:
        body = page.locator("#id_body")
        body.fill(body.input_value().rstrip("\n") + f"\n\n{marker}\n")
        page.select_option("#id_reviewed_by", str(reviewer_pk))
        page.fill("#id_last_reviewed", today.isoformat())
        page.fill("#id_next_review_due", (today + datetime.timedelta(days=365)).isoformat())
        page.check("#id_review_confirmed")
        with page.expect_navigation():
            page.click("input[name=_continue]")
        saved = page.locator(".messagelist .success").count() > 0 and "/change/" in page.url
        problem = "" if saved else " ".join(page.locator(".errornote, .errorlist").all_inner_texts())[:300] or page.url
    except Error as error:
        saved, problem = False, str(error).splitlines()[0]
    if problem:
        log(f"edit {number} not saved: {problem}")
        with contextlib.suppress(Error):
            page.goto(page.url.split("?")[0])  # a fresh form for the next one
    return {"marker": marker, "saved": saved, "problem": problem, "ms": (time.monotonic() - started) * 1000}


def edit_for(seconds, base_url, username, password, article_pk, reviewer_pk):
    """Sign in as the editor in Chromium, open the article's change form, save an edit a second: the edits."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=harness.tool("chromium"), args=["--no-sandbox"])
        page = chromium.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{base_url}/admin/login/?next=/admin/articles/article/{article_pk}/change/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("input[type=submit]")
        if "/change/" not in page.url:
            raise HarnessError(f"the editor could not sign in: {page.locator('.errornote').all_inner_texts()}")
        edits, deadline, next_at = [], time.monotonic() + seconds, time.monotonic()
        while time.monotonic() < deadline:
            edits.append(edit(page, len(edits) + 1, reviewer_pk))
            next_at = max(next_at + 1, time.monotonic())  # fell behind: carry on, without a burst
            time.sleep(max(0.0, min(next_at, deadline) - time.monotonic()))
        chromium.close()
    return edits


def verify(article_pk, edits):
    """Which saved edits django-reversion kept and the current body holds, and the lost ones."""
    from reversion.models import Version

    from articles.models import Article

    markers = [edit["marker"] for edit in edits if edit["saved"]]
    bodies = [version.field_dict["body"] for version in Version.objects.get_for_object_reference(Article, article_pk)]
    body = Article.objects.get(pk=article_pk).body
    in_history = [m for m in markers if any(m in b for b in bodies)]
    in_body = [m for m in markers if m in body]
    lost = [m for m in markers if m not in in_history or m not in in_body]
    return {"history": len(in_history), "body": len(in_body), "lost": lost, "last": markers[-1:] == in_body[-1:]}


def run():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True, help="database backend")
    parser.add_argument("--seconds", type=int, default=120, help="duration of the load (default 120)")
    parser.add_argument("--readers", type=int, default=50, help="concurrent reader connections (default 50)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--nginx", action="store_true", help="readers and editor go through the nginx front")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary directory (logs, database)")
    args = parser.parse_args()
    for name in ("wrk", "chromium", *(["nginx"] if args.nginx else [])):
        harness.tool(name)
    with harness.workdir(f"trd-load-{args.db}-", args.keep_temp) as tmp, database(args.db, tmp) as url:
        env = harness.site_env(url, DJANGO_STATIC_ROOT=str(tmp / "static"), DJANGO_PROXY_COUNT=str(int(args.nginx)))
        harness.build_site(env)
        harness.setup_django(env)
        from django.db import connections

        from articles.models import Article, GlossaryTerm

        username, password, user_pk = add_editor()
        article = Article.objects.published().order_by("order").first()
        paths = ["/", *(a.get_absolute_url() for a in Article.objects.published().order_by("order")), "/glossary/"]
        paths += [t.get_absolute_url() for t in GlossaryTerm.objects.order_by("term")[:4]] + ["/search/?q=ketamine"]
        connections.close_all()  # SQLite: this process holds no lock while the servers run
        site_port, front_port = harness.free_port(), harness.free_port()
        with contextlib.ExitStack() as servers:
            servers.enter_context(harness.gunicorn(env, site_port, args.workers, tmp / "gunicorn.log"))
            if args.nginx:
                servers.enter_context(harness.nginx_front(tmp, front_port, site_port, tmp / "static"))
            base_url = f"http://{HOST}:{front_port if args.nginx else site_port}"
            wrk = [
                harness.tool("wrk"),
                f"-t{min(2, args.readers)}",
                f"-c{args.readers}",
                f"-d{args.seconds}s",
                "--timeout",
                "10s",
            ]
            wrk += ["-s", str(harness.ROOT / "bench" / "load_readers.lua"), base_url, "--", *paths]
            readers = servers.enter_context(subprocess.Popen(wrk, stdout=subprocess.PIPE, text=True))
            servers.callback(lambda: readers.poll() is None and readers.kill())  # on an error before the end
            log(f"{args.readers} readers over {len(paths)} pages; the editor saves {article.get_absolute_url()}")
            edits = edit_for(args.seconds, base_url, username, password, article.pk, user_pk)
            output = readers.communicate(timeout=60)[0]
        counts = re.search(r"^LOAD_COUNTS (.*)$", output, re.M)
        if readers.returncode or not counts:
            raise HarnessError(f"wrk failed (exit {readers.returncode}):\n{output[-2000:]}")
        counts = {key: int(value) for key, value in (item.split("=") for item in counts.group(1).split())}
        verified = verify(article.pk, edits)
        access = (tmp / "gunicorn.log").read_text(errors="replace")
        problems = harness.problems(tmp / "gunicorn.log")
    counts["gunicorn 5xx"] = len(re.findall(r'" 5\d\d ', access))
    text, ok = summary(args, counts, edits, verified)
    if problems:
        shown = "\n".join(dict.fromkeys(problems))  # distinct lines, first seen first
        text += f"\n\n{len(problems)} error lines in gunicorn's log; distinct ones:\n\n```\n{shown[:4000]}\n```"
    harness.report(text, f"load-{args.db}{'-nginx' if args.nginx else ''}.md")
    return 0 if ok else 1


def summary(args, counts, edits, verified):
    """The run as a markdown table, and whether it passed."""
    unsaved = [edit for edit in edits if not edit["saved"]]
    reasons = [
        reason
        for reason, failed in (
            (f"{counts['5xx']} reader responses were 5xx", counts["5xx"]),
            (f"{counts['gunicorn 5xx']} 5xx responses in gunicorn's access log", counts["gunicorn 5xx"]),
            ("the editor made no edit", not edits),
            (f"{len(unsaved)} edits were not saved (first: {unsaved and unsaved[0]['problem']})", unsaved),
            (f"{len(verified['lost'])} saved edits lost (first: {verified['lost'][:1]})", verified["lost"]),
            ("the article's current body lacks the last saved edit", not verified["last"]),
        )
        if failed
    ]
    errors = [counts[kind] for kind in ("connect", "read", "write", "timeout")]
    times = [edit["ms"] for edit in edits] or [0]
    front = "the nginx front (deploy/ includes, micro-cache)" if args.nginx else "gunicorn directly"
    rows = [
        ("run", f"{args.db}, {front}, {args.seconds} s, {args.readers} readers, {args.workers} gunicorn workers"),
        ("total reader requests", counts["requests"]),
        ("requests/s", f"{counts['requests'] / (counts['duration_us'] / 1e6 or 1):.1f}"),
        *((kind, counts[kind]) for kind in ("2xx", "3xx", "4xx", "5xx")),
        ("connection errors (connect/read/write/timeout)", f"{sum(errors)} ({'/'.join(map(str, errors))})"),
        ("edits attempted", len(edits)),
        ("edits saved", len(edits) - len(unsaved)),
        ("edits in history", verified["history"]),
        ("edits in current body", verified["body"]),
        ("edits lost", len(verified["lost"])),
        ("last edit in current body", "yes" if verified["last"] else "NO"),
        ("edit open+save ms (median / max)", f"{statistics.median(times):.0f} / {max(times):.0f}"),
        ("5xx in gunicorn access log (all clients)", counts["gunicorn 5xx"]),
        ("result", "PASS" if not reasons else "FAIL: " + "; ".join(reasons)),
    ]
    return harness.table(["metric", "value"], rows), not reasons


if __name__ == "__main__":
    sys.exit(harness.main(run))
