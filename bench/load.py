"""Load-and-edit test: public readers and one staff editor at the same time, then a lost-edit check.

    .venv/bin/python bench/load.py --db sqlite|postgres [--nginx] [--seconds 120] [--readers 50] [--workers 2]

1. Copies the project (without .venv, .git, databases, staticfiles) to a temporary directory and
   builds it with production-like settings: DEBUG off, random secret key, ALLOWED_HOSTS
   127.0.0.1,localhost, no https redirect, no HSTS, a fresh database (a SQLite file in the temporary
   directory, or a fresh PostgreSQL database on 127.0.0.1:5432 that is dropped at the end).
   collectstatic, migrate, import_content, and one staff user in the "Publisher" group.
2. Serves it with gunicorn -c gunicorn.conf.py (GUNICORN_WORKERS=--workers) on 127.0.0.1:82xx; with
   --nginx, readers and editor go through the nginx front made of deploy/'s includes (static files,
   proxy headers, the 1 s micro-cache; no TLS) with DJANGO_PROXY_COUNT=1.
3. For --seconds: wrk with --readers connections rotating over the public pages (bench/load_readers.lua
   counts every response by status class), and one editor thread that logs into the admin and,
   every second, opens an article's change form, appends "Edit N at <time>" to its body and posts
   the whole form back as a browser would, expecting a 302.
4. Checks in a subprocess (same environment) that every saved edit is in the article's
   django-reversion history and in its current body, and reads gunicorn's log for errors.
5. Prints a markdown table (also written to bench/results/load-<db>[-nginx].md).

Needs wrk (and nginx with --nginx): apt-get install -y wrk nginx; nothing is installed from here.

Cookies over plain http: with DEBUG off the settings make the session and CSRF cookies Secure
(SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG) and offer no variable to change that, so the
editor keeps its cookies itself (http.cookiejar would not send Secure cookies over http). Straight to
gunicorn it plays the part of the TLS-terminating proxy: every request carries X-Forwarded-Proto: https
(SECURE_PROXY_SSL_HEADER) and posts the Origin of https://127.0.0.1:<port>. Through nginx, which sets
X-Forwarded-Proto itself (plain http here), it posts the Origin of http://127.0.0.1:<port>.

Only 127.0.0.1 and ports 8200-8299 are used; every process started here is stopped on exit, also on
Ctrl-C. Exit status: 0 fine; 1 a 5xx, a lost edit or an edit that was not saved (302); 2 set-up failed.
"""

import argparse
import contextlib
import dataclasses
import datetime
import html.parser
import http.client
import http.cookies
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.parse
import zoneinfo
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.harness import HOST, log, manage, start_process, stop_process, tail  # noqa: E402
from bench.harness import HarnessError as LoadError  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
READERS_LUA = ROOT / "bench" / "load_readers.lua"
PORTS = range(8200, 8300)
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", "5432", "postgres"
EDITOR_GROUP = "Publisher"
EDITOR_TIMEOUT = 30.0  # seconds per editor HTTP request
# Copied to the temporary site: everything but local state and the virtualenv.
SKIPPED_AT_ROOT = {
    ".venv",
    ".git",
    "staticfiles",
    "media",
    "tmp",
    ".pytest_cache",
    "db.sqlite3",
    "db.sqlite3-wal",
    "db.sqlite3-shm",
    "db.sqlite3-journal",
}


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True, help="database backend")
    parser.add_argument("--seconds", type=int, default=120, help="duration of the load (default 120)")
    parser.add_argument("--readers", type=int, default=50, help="concurrent reader connections (default 50)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--nginx", action="store_true", help="readers and editor go through the nginx front")
    parser.add_argument("--port", type=int, help="port for gunicorn, 8200-8299 (default: the first free one)")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary directory (site, logs, database)")
    args = parser.parse_args(argv)
    if args.seconds < 1 or args.readers < 1 or args.workers < 1:
        parser.error("--seconds, --readers and --workers must be at least 1")
    if args.port is not None and args.port not in PORTS:
        parser.error("--port must be in 8200-8299")
    return args


# --------------------------------------------------------------------------- ports


def choose_ports(requested):
    """gunicorn's port (the requested one if free) and one for nginx, in 8200-8299."""
    if requested is None:
        return harness.free_ports(2, PORTS)
    harness.free_ports(1, range(requested, requested + 1))  # raises when it is taken
    return [requested, *harness.free_ports(1, range(requested + 1, PORTS.stop))]


# --------------------------------------------------------------------------- building the site


def copy_site(tmp):
    """Copy the project's source (not .venv, .git, databases, staticfiles, results) to tmp/site."""

    def ignore(directory, names):
        skipped = {name for name in names if name == "__pycache__" or name.endswith(".pyc")}
        if Path(directory) == ROOT:
            skipped |= SKIPPED_AT_ROOT & set(names)
        if Path(directory) == ROOT / "bench":
            skipped |= {"results"} & set(names)
        return skipped

    site = tmp / "site"
    shutil.copytree(ROOT, site, ignore=ignore, symlinks=True)
    return site


def create_postgres_db(name):
    """A fresh, empty PostgreSQL database on 127.0.0.1:5432."""
    done = subprocess.run(
        ["createdb", "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, name], capture_output=True, text=True, timeout=60
    )
    if done.returncode != 0:
        raise LoadError(f"createdb {name} failed: {done.stderr.strip()}")
    log(f"created PostgreSQL database {name}")


def drop_postgres_db(name):
    """Drop the database created for this run (forcing out any connection left)."""
    done = subprocess.run(
        ["dropdb", "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, "--if-exists", "--force", name],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode != 0:
        log(f"WARNING: dropdb {name} failed: {done.stderr.strip()}")
    else:
        log(f"dropped PostgreSQL database {name}")


SETUP_SCRIPT = textwrap.dedent("""
    import json, os
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.conf import settings
    from articles.models import Article, GlossaryTerm, StaffProfile

    user = get_user_model().objects.create_user(
        os.environ["LOAD_USER"], password=os.environ["LOAD_PASSWORD"], is_staff=True
    )
    user.groups.add(Group.objects.get(name=os.environ["LOAD_GROUP"]))
    # Live words change only with a recorded review; this throwaway benchmark site names its own account.
    StaffProfile.objects.create(user=user, display_name="Load test", credentials="benchmark account, not a clinician")
    info = {
        "user_pk": user.pk,
        "articles": [{"pk": a.pk, "slug": a.slug} for a in Article.objects.published().order_by("order")],
        "terms": list(GlossaryTerm.objects.order_by("term").values_list("slug", flat=True)),
        "time_zone": settings.TIME_ZONE,
    }
    print("LOAD_INFO " + json.dumps(info))
""")


def create_editor_and_read_site(site, env):
    """Create the staff user (Publisher group); return (username, password, published articles, term slugs)."""
    username, password = "load-editor", secrets.token_urlsafe(18)
    output = manage(
        site,
        env,
        "shell",
        "-c",
        SETUP_SCRIPT,
        extra_env={"LOAD_USER": username, "LOAD_PASSWORD": password, "LOAD_GROUP": EDITOR_GROUP},
    )
    info = json.loads(marked_line(output, "LOAD_INFO"))
    if not info["articles"]:
        raise LoadError("import_content produced no published article")
    log(
        f"created staff user {username} in group {EDITOR_GROUP}; {len(info['articles'])} articles, "
        f"{len(info['terms'])} glossary terms"
    )
    return username, password, info["articles"], info["terms"], info["user_pk"], info["time_zone"]


def marked_line(output, marker):
    """The text after `marker ` on the line that starts with it (our subprocesses print one)."""
    for line in output.splitlines():
        if line.startswith(marker + " "):
            return line[len(marker) + 1 :]
    raise LoadError(f"no {marker} line in the output:\n{output[-2000:]}")


# --------------------------------------------------------------------------- gunicorn's log


ACCESS_LINE = re.compile(r'"[A-Z]+ [^"]*" (\d{3}) ')


def read_gunicorn_log(log_path):
    """Status classes of every request in gunicorn's access log, and the errors in its error log."""
    statuses = {"2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, "other": 0}
    problems = []  # (kind, text)
    lines = Path(log_path).read_text(errors="replace").splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        match = ACCESS_LINE.search(line)
        if match:
            key = f"{match.group(1)[0]}xx"
            statuses[key if key in statuses else "other"] += 1
        elif line.startswith("Traceback"):
            block = [line]
            index += 1
            while index < len(lines) and (
                lines[index].startswith((" ", "\t"))
                or not lines[index].strip()
                or lines[index].startswith("During handling")
                or lines[index].startswith("The above exception")
                or lines[index].startswith("Traceback")
            ):
                block.append(lines[index])
                index += 1
            if index < len(lines):
                block.append(lines[index])  # the exception line itself
            problems.append(("traceback", "\n".join(block)))
        elif re.search(r"\[(ERROR|CRITICAL)\]|database is locked|WORKER TIMEOUT|Internal Server Error", line):
            problems.append(("error", line))
        index += 1
    return statuses, problems


# --------------------------------------------------------------------------- readers (wrk)


def reader_paths(articles, terms):
    """The public pages the readers rotate over."""
    paths = ["/"]
    paths += [f"/guide/{article['slug']}/" for article in articles]
    paths += ["/glossary/"]
    paths += [f"/glossary/{slug}/" for slug in terms[:4]]
    paths += ["/search/?q=ketamine"]
    return paths


def start_readers(port, readers, seconds, paths, log_path):
    """wrk with `readers` connections for `seconds`, counting responses by class (load_readers.lua)."""
    threads = max(1, min(2, readers))
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(readers),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(READERS_LUA),
        f"http://{HOST}:{port}",
        "--",
        *paths,
    ]
    process = start_process(command, log_path)
    log(f"started wrk (pid {process.pid}): {readers} connections, {threads} threads, {seconds} s, {len(paths)} paths")
    return process


def wait_for_readers(process, seconds, log_path):
    """Wait for wrk to finish (it stops itself after `seconds`); parse its LOAD_COUNTS line."""
    try:
        process.wait(timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        raise LoadError(f"wrk did not finish within {seconds + 60} s:\n{tail(log_path)}") from None
    output = Path(log_path).read_text(errors="replace")
    if process.returncode != 0:
        raise LoadError(f"wrk failed (exit {process.returncode}):\n{output[-2000:]}")
    counts = dict(item.split("=") for item in marked_line(output, "LOAD_COUNTS").split())
    return {key: int(value) for key, value in counts.items()}


# --------------------------------------------------------------------------- the staff editor


class Browser:
    """A minimal browser for the admin: keeps its own cookies; straight to gunicorn, talks as if behind TLS.

    Without nginx every request says X-Forwarded-Proto: https (what the TLS proxy would add), so Django
    treats it as secure; posts carry the Origin and Referer of the site as the proxy's scheme shows it.
    """

    def __init__(self, port, through_nginx=False):
        self.port = port
        self.origin = f"{'http' if through_nginx else 'https'}://{HOST}:{port}"
        self.proxy_headers = {} if through_nginx else {"X-Forwarded-Proto": "https"}
        self.cookies = {}

    def request(self, method, path, form=None):
        """One request on a fresh connection; returns (status, headers, text). Redirects are not followed."""
        headers = {
            "Host": f"{HOST}:{self.port}",
            **self.proxy_headers,
            "User-Agent": "bench/load.py editor",
            "Accept": "text/html",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": self.origin,
                    "Referer": self.origin + path,
                }
            )
        connection = http.client.HTTPConnection(HOST, self.port, timeout=EDITOR_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            self.keep_cookies(response.headers.get_all("Set-Cookie") or [])
            return response.status, response.headers, text
        finally:
            connection.close()

    def keep_cookies(self, set_cookie_headers):
        """Store (or forget, when expired) every cookie the server sets, Secure or not."""
        for header in set_cookie_headers:
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


class FormParser(html.parser.HTMLParser):
    """The fields of one <form id=...> as a browser would submit them (no submit buttons)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.fields = []  # (name, value), in document order
        self.textarea = None  # [name, text] while inside a <textarea>
        self.select = None  # [name, first option value, selected values] while inside a <select>
        self.option = None  # [value or None, text] while inside an <option>

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == self.form_id
        if not self.in_form or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value") or ("on" if kind in {"checkbox", "radio"} else "")))
        elif tag == "textarea" and name:
            self.textarea = [name, ""]
        elif tag == "select" and name:
            self.select = [name, None, []]
        elif tag == "option" and self.select is not None:
            self.option = [attrs.get("value"), "", "selected" in attrs]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data
        if self.option is not None:
            self.option[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            # The newline right after <textarea> is not part of the value (HTML parsing rule).
            self.fields.append(
                (name, text[2:] if text.startswith("\r\n") else text[1:] if text.startswith("\n") else text)
            )
            self.textarea = None
        elif tag == "option" and self.option is not None:
            value, text, selected = self.option
            value = text.strip() if value is None else value
            if self.select[1] is None:
                self.select[1] = value
            if selected:
                self.select[2].append(value)
            self.option = None
        elif tag == "select" and self.select is not None:
            name, first, selected = self.select
            for value in selected or ([first] if first is not None else []):
                self.fields.append((name, value))
            self.select = None


def form_fields(page, form_id):
    """The (name, value) pairs a browser would submit from the form with this id."""
    parser = FormParser(form_id)
    parser.feed(page)
    parser.close()
    return parser.fields


def error_text(page):
    """The admin's error messages on a re-rendered form, as plain text."""
    found = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>|<p class="errornote">(.*?)</p>', page, re.S)
    text = " ".join(re.sub(r"<[^>]+>", " ", a or b) for a, b in found)
    return re.sub(r"\s+", " ", text).strip()[:400] or "(no error message found)"


@dataclasses.dataclass
class Edit:
    number: int
    marker: str
    status: int | None = None  # of the POST
    saved: bool = False
    problem: str = ""
    seconds: float = 0.0  # GET + POST


class Editor(threading.Thread):
    """One member of staff: logs in, then every second appends a line to one article and saves it."""

    def __init__(self, port, username, password, user_pk, article_pk, deadline, time_zone, through_nginx=False):
        super().__init__(name="editor", daemon=True)
        self.browser = Browser(port, through_nginx)
        self.username, self.password, self.user_pk = username, password, user_pk
        self.change_path = f"/admin/articles/article/{article_pk}/change/"
        self.deadline = deadline
        self.time_zone = zoneinfo.ZoneInfo(time_zone)  # a review dated the site's tomorrow is refused
        self.stop = threading.Event()
        self.edits = []
        self.login_problem = ""

    def run(self):
        try:
            self.log_in()
        except Exception as error:  # noqa: BLE001 - reported in the summary
            self.login_problem = f"{type(error).__name__}: {error}"
            log(f"editor could not log in: {self.login_problem}")
            return
        next_at = time.monotonic()
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            self.edits.append(self.edit(len(self.edits) + 1))
            next_at += 1.0
            wait = min(next_at, self.deadline) - time.monotonic()
            if wait > 0:
                self.stop.wait(wait)
            else:
                next_at = time.monotonic()  # fell behind: carry on, without a burst

    def log_in(self):
        """GET the login form (CSRF cookie and token), POST the credentials, expect a 302 to /admin/."""
        path = "/admin/login/?next=/admin/"
        status, _, page = self.browser.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        form = dict(form_fields(page, "login-form"))
        form.update(username=self.username, password=self.password)
        status, headers, page = self.browser.request("POST", path, form)
        if status != 302 or "sessionid" not in self.browser.cookies:
            raise RuntimeError(f"login POST answered {status}: {error_text(page)}")
        log(f"editor logged in (redirected to {headers.get('Location')})")

    def edit(self, number):
        """Open the change form, append "Edit N at <time>" to the body, post the whole form back."""
        started = time.monotonic()
        marker = f"Edit {number} at {datetime.datetime.now().isoformat(timespec='microseconds')}"
        edit = Edit(number, marker)
        try:
            status, _, page = self.browser.request("GET", self.change_path)
            if status != 200:
                edit.problem = f"GET change form answered {status}"
                return edit
            fields = form_fields(page, "article_form")
            names = {name for name, _ in fields}
            missing = {"csrfmiddlewaretoken", "base", "body", "title", "status", "reviewed_by"} - names
            if missing:
                edit.problem = f"change form lacks {', '.join(sorted(missing))}"
                return edit
            today = datetime.datetime.now(self.time_zone).date()
            review = {
                "reviewed_by": str(self.user_pk),
                "last_reviewed": today.isoformat(),
                "next_review_due": (today + datetime.timedelta(days=365)).isoformat(),
            }
            form = [
                (name, self.with_edit(value, marker) if name == "body" else review.get(name, value))
                for name, value in fields
            ]
            form += [("review_confirmed", "on"), ("_save", "Save")]
            if number == 1:
                log(f"editor posts the fields: {', '.join(name for name, _ in form)}")
            status, headers, page = self.browser.request("POST", self.change_path, form)
            edit.status = status
            location = headers.get("Location", "")
            if status == 302 and "/login/" not in location and "/change/" not in location:
                edit.saved = True
            else:
                edit.problem = f"POST answered {status} {location}: {error_text(page) if status == 200 else ''}".strip()
        except (OSError, http.client.HTTPException) as error:
            edit.problem = f"{type(error).__name__}: {error}"
        finally:
            edit.seconds = time.monotonic() - started
            if edit.problem:
                log(f"edit {number} not saved: {edit.problem}")
        return edit

    @staticmethod
    def with_edit(body, marker):
        """The body as a browser sends a textarea (CRLF line ends), with one line appended."""
        body = body.replace("\r\n", "\n").rstrip("\n") + f"\n\n{marker}\n"
        return body.replace("\n", "\r\n")


# --------------------------------------------------------------------------- verifying the edits


VERIFY_SCRIPT = textwrap.dedent("""
    import json, os
    from reversion.models import Version
    from articles.models import Article

    pk = int(os.environ["LOAD_ARTICLE_PK"])
    markers = json.loads(os.environ["LOAD_MARKERS"])
    bodies = [version.field_dict["body"] for version in Version.objects.get_for_object_reference(Article, pk)]
    body = Article.objects.get(pk=pk).body
    print("LOAD_VERIFY " + json.dumps({
        "versions": len(bodies),
        "in_history": [m for m in markers if any(m in b for b in bodies)],
        "in_body": [m for m in markers if m in body],
    }))
""")


def verify_edits(site, env, article_pk, edits):
    """Which saved edits django-reversion kept, and which the article's current body still holds."""
    markers = [edit.marker for edit in edits if edit.saved]
    output = manage(
        site,
        env,
        "shell",
        "-c",
        VERIFY_SCRIPT,
        extra_env={"LOAD_ARTICLE_PK": str(article_pk), "LOAD_MARKERS": json.dumps(markers)},
    )
    found = json.loads(marked_line(output, "LOAD_VERIFY"))
    in_history, in_body = set(found["in_history"]), set(found["in_body"])
    return {
        "versions": found["versions"],
        "in_history": len(in_history),
        "in_body": len(in_body),
        "lost": [m for m in markers if m not in in_history or m not in in_body],
        "last_in_body": (markers[-1] in in_body) if markers else None,
    }


# --------------------------------------------------------------------------- report


def failures(readers, access, editor, verified):
    """Why the run failed (empty when it passed)."""
    reasons = []
    if readers["5xx"]:
        reasons.append(f"{readers['5xx']} reader responses were 5xx")
    if access["5xx"]:
        reasons.append(f"{access['5xx']} 5xx responses in gunicorn's access log")
    if editor.login_problem:
        reasons.append(f"the editor could not log in ({editor.login_problem})")
    elif not editor.edits:
        reasons.append("the editor made no edit")
    unsaved = [edit for edit in editor.edits if not edit.saved]
    if unsaved:
        reasons.append(
            f"{len(unsaved)} edits were not saved with a 302 (first: edit {unsaved[0].number}: {unsaved[0].problem})"
        )
    if verified["lost"]:
        reasons.append(f"{len(verified['lost'])} saved edits lost (first: {verified['lost'][0]})")
    if verified["last_in_body"] is False:
        reasons.append("the article's current body lacks the last saved edit")
    return reasons


def summary_table(args, readers, access, editor, verified, reasons):
    """The markdown table of the run."""
    duration = readers["duration_us"] / 1e6 or 1.0
    errors = readers["connect"] + readers["read"] + readers["write"] + readers["timeout"]
    saved = [edit for edit in editor.edits if edit.saved]
    times = [edit.seconds * 1000 for edit in editor.edits]
    rows = [
        ("database", args.db),
        ("front", "nginx (deploy/ includes, micro-cache)" if args.nginx else "none (gunicorn directly)"),
        ("seconds", args.seconds),
        ("readers (connections)", args.readers),
        ("gunicorn workers", args.workers),
        ("total reader requests", readers["requests"]),
        ("requests/s", f"{readers['requests'] / duration:.1f}"),
        ("2xx", readers["2xx"]),
        ("3xx", readers["3xx"]),
        ("4xx", readers["4xx"]),
        ("5xx", readers["5xx"]),
        (
            "connection errors (connect/read/write/timeout)",
            f"{errors} ({readers['connect']}/{readers['read']}/{readers['write']}/{readers['timeout']})",
        ),
        ("edits attempted", len(editor.edits)),
        ("edits saved (302)", len(saved)),
        ("edits in history", verified["in_history"]),
        ("edits in current body", verified["in_body"]),
        ("edits lost", len(verified["lost"])),
        ("last edit in current body", {True: "yes", False: "NO", None: "-"}[verified["last_in_body"]]),
        ("edit GET+POST ms (median / max)", f"{statistics.median(times):.0f} / {max(times):.0f}" if times else "-"),
        ("5xx in gunicorn access log (all clients)", access["5xx"]),
        ("result", "PASS" if not reasons else "FAIL: " + "; ".join(reasons)),
    ]
    lines = ["| metric | value |", "| --- | --- |"]
    lines += [f"| {name} | {str(value).replace('|', '/')} |" for name, value in rows]
    return "\n".join(lines)


def problems_section(problems):
    """Distinct errors from gunicorn's log (first of each kind), for the report."""
    if not problems:
        return ""
    seen, shown = set(), []
    for kind, text in problems:
        key = text.strip().splitlines()[-1] if kind == "traceback" else re.sub(r"^\S+ \S+ \S+ \[\d+\] ", "", text)
        if key not in seen:
            seen.add(key)
            shown.append(text)
    body = "\n\n".join(shown[:5])
    return f"\n\n{len(problems)} error lines/tracebacks in gunicorn's log; distinct ones:\n\n```\n{body}\n```"


def write_results(args, text):
    """bench/results/load-<db>[-nginx].md (git-ignored)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"load-{args.db}{'-nginx' if args.nginx else ''}.md"
    path.write_text(text + "\n")
    log(f"wrote {path}")


# --------------------------------------------------------------------------- main


def raise_keyboard_interrupt(signum, frame):
    """SIGTERM is handled like Ctrl-C, so the clean-up in main() runs."""
    raise KeyboardInterrupt


@contextlib.contextmanager
def signals_ignored():
    """Let a second Ctrl-C not interrupt stopping the servers (each stop is bounded in time)."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_load(args, site, env, ports, tmp):
    """Start gunicorn (and nginx), run readers and editor, verify; return the exit status. Stops what it starts."""
    username, password, articles, terms, user_pk, time_zone = create_editor_and_read_site(site, env)
    gunicorn_log = tmp / "gunicorn.log"
    wrk_log = tmp / "wrk.log"
    gunicorn = nginx = wrk = editor = None
    try:
        gunicorn = harness.start_gunicorn(site, env, ports[0], args.workers, gunicorn_log)
        if args.nginx:
            nginx = harness.start_nginx_front(tmp, ports[1], ports[0], site / "staticfiles")
        port = ports[1] if args.nginx else ports[0]
        article = articles[0]
        deadline = time.monotonic() + args.seconds
        wrk = start_readers(port, args.readers, args.seconds, reader_paths(articles, terms), wrk_log)
        editor = Editor(port, username, password, user_pk, article["pk"], deadline, time_zone, args.nginx)
        log(f"editor edits /guide/{article['slug']}/ (pk {article['pk']}) every second")
        editor.start()
        readers = wait_for_readers(wrk, args.seconds, wrk_log)
        editor.join(timeout=EDITOR_TIMEOUT * 2 + 5)
        if editor.is_alive():
            raise LoadError("the editor did not finish its last edit in time")
    finally:
        if editor is not None:
            editor.stop.set()
        with signals_ignored():
            stop_process(wrk, "wrk")
            stop_process(nginx, "nginx")
            stop_process(gunicorn, "gunicorn")
    verified = verify_edits(site, env, article["pk"], editor.edits)
    access, problems = read_gunicorn_log(gunicorn_log)
    reasons = failures(readers, access, editor, verified)
    table = summary_table(args, readers, access, editor, verified, reasons)
    print(table)
    extra = problems_section(problems)
    if extra:
        print(extra)
    write_results(args, table + extra)
    return 1 if reasons else 0


def main(argv=None):
    """Build, load, verify, report; always stop what was started and remove what was created."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored
    tmp = Path(tempfile.mkdtemp(prefix=f"trd-load-{args.db}-"))
    tmp.chmod(0o755)  # nginx workers (user nobody when run as root) read the static root
    pg_name = None
    try:
        harness.require_tools("wrk", *(["nginx"] if args.nginx else []))
        ports = choose_ports(args.port)
        site = copy_site(tmp)
        if args.db == "postgres":
            pg_name = f"trd_load_{os.getpid()}_{secrets.token_hex(3)}"
            create_postgres_db(pg_name)
            database_url = f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{pg_name}"
        else:
            database_url = f"sqlite:///{tmp / 'db.sqlite3'}"
        env = harness.site_env(database_url, DJANGO_PROXY_COUNT="0")
        if args.nginx:  # nginx's Host ($host) has no port: the editor's Origin is trusted by name
            front = f"http://{HOST}:{ports[1]}"
            env.update(DJANGO_PROXY_COUNT="1", DJANGO_CSRF_TRUSTED_ORIGINS=front, TRD_SITE_URL=front)
        log(f"building the site in {site} ({args.db})")
        harness.build_site(site, env)
        return run_load(args, site, env, ports, tmp)
    except LoadError as error:
        log(f"ERROR: {error}")
        return 2
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        return 130
    finally:
        with signals_ignored():
            if pg_name:
                drop_postgres_db(pg_name)
        if args.keep_temp:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
