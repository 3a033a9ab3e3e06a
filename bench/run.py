"""HTTP benchmark of the guide under production-like settings, with nginx and bare Django as references.

    .venv/bin/python bench/run.py [--seconds 10] [--rounds 3] [--connections 16] [--threads 2]

Builds the site in a temporary directory (fresh SQLite database, DEBUG off, random secret key),
serves it with gunicorn (gunicorn.conf.py, 2 workers) and measures with wrk, in alternating rounds:
the Django pages, a "bare" Django view returning the pre-rendered article HTML, the same HTML as a
static file through whitenoise, and the same HTML from nginx (the ceiling). Also reports the body
bytes sent (br/gzip when offered) and database queries per request, then the glossary render timings
(bench/glossary.py). Writes everything to bench/results/latest.md as well.

Only 127.0.0.1 and ports 8100-8199 are used; every server started here is stopped on exit.
Exit status: 0 fine, 1 a target failed or the glossary limit was exceeded, 2 set-up or a server failed.
"""

import argparse
import dataclasses
import datetime
import gzip
import http.client
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.processes import start_process, stop_process, tail  # noqa: E402

BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results" / "latest.md"
PORTS = range(8100, 8200)
HOST = "127.0.0.1"
ARTICLE = "/guide/what-does-treatment-look-like-for-trd/"
ACCEPT_ENCODING = "gzip, br"
STATIC_SUBDIR = "bench"  # under STATIC_ROOT: staticfiles/bench/article.html
# Inherited variables that would change what is measured; the benchmark sets its own.
SCRUBBED_PREFIXES = ("DJANGO_", "GUNICORN_", "TRD_")
SCRUBBED_NAMES = ("DATABASE_URL", "REDIS_URL")


class BenchError(Exception):
    """Set-up failed (a tool, a build step or a server): the run cannot go on."""


@dataclasses.dataclass(frozen=True)
class Target:
    name: str
    path: str
    server: str  # "gunicorn" or "nginx"
    django: bool  # counts database queries in-process


TARGETS = [
    Target("home", "/", "gunicorn", True),
    Target("article", ARTICLE, "gunicorn", True),
    Target("glossary", "/glossary/", "gunicorn", True),
    Target("term", "/glossary/ketamine/", "gunicorn", True),
    Target("search", "/search/?q=ketamine", "gunicorn", True),
    Target("bare Django", "/bench/bare/", "gunicorn", True),
    Target("whitenoise static", f"/static/{STATIC_SUBDIR}/article.html", "gunicorn", True),
    Target("nginx static", "/article.html", "nginx", False),
]
BARE, NGINX = "bare Django", "nginx static"


def log(message):
    """Progress goes to stderr, so stdout carries only the report."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def parse_args(argv=None):
    """Command-line options; the defaults keep a full run under about five minutes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per target per round (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the median is reported (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--gunicorn-threads", type=int, default=1,
                        help="gunicorn threads per worker; above 1 gunicorn uses gthread workers (default 1)")
    parser.add_argument("--keepalive", type=int, default=5, help="gunicorn keep-alive seconds (gthread only; default 5)")
    parser.add_argument("--glossary-repeat", type=int, default=200, help="renders per glossary size (default 200)")
    parser.add_argument(
        "--no-page-cache", action="store_true",
        help="TRD_PAGE_CACHE_SECONDS=0: every page is rendered (default: the site's whole-page cache is on)",
    )
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary directory (logs, database)")
    args = parser.parse_args(argv)
    if args.seconds < 1 or args.rounds < 1 or args.connections < args.threads or args.threads < 1:
        parser.error("need --seconds >= 1, --rounds >= 1, --threads >= 1 and --connections >= --threads")
    return args


# --------------------------------------------------------------------------- tools and ports


def ensure_tools():
    """Install wrk and nginx with apt-get when missing (apt-get update only if the first try fails)."""
    missing = [tool for tool in ("wrk", "nginx") if not find_tool(tool)]
    if not missing:
        return
    log(f"installing {' '.join(missing)} with apt-get")
    install = ["apt-get", "install", "-y", "wrk", "nginx"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True)
        done = subprocess.run(install, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"apt-get install -y wrk nginx failed:\n{done.stderr[-2000:]}")
    still = [tool for tool in ("wrk", "nginx") if not find_tool(tool)]
    if still:
        raise BenchError(f"not found after apt-get install: {', '.join(still)}")


def find_tool(name):
    """Path of a command, also looking in /usr/sbin (nginx lives there; it may not be on PATH)."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")


def free_ports(count):
    """`count` ports in 8100-8199 that nothing listens on at 127.0.0.1 right now."""
    found = []
    for port in PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise BenchError("no free port in 8100-8199 on 127.0.0.1")


# --------------------------------------------------------------------------- building the site


def bench_env(tmp, html_path, page_cache=True):
    """Environment for every Django process: production-like, self-contained in `tmp`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(SCRUBBED_PREFIXES) and key not in SCRUBBED_NAMES
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_SETTINGS_MODULE="bench.settings",
        BENCH_ARTICLE_HTML=str(html_path),
        PYTHONUNBUFFERED="1",
    )
    if not page_cache:
        env["TRD_PAGE_CACHE_SECONDS"] = "0"
    return env


def manage(env, *args):
    """Run a manage.py command with the site's own settings; raise BenchError with its output on failure."""
    command = [sys.executable, "manage.py", *args]
    done = subprocess.run(
        command, cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "trd_site.settings"}, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    last = (done.stdout.strip().splitlines() or [""])[-1]
    log(f"manage.py {' '.join(args)}: {last}")


def build_site(env):
    """Fresh database, static files and content, as a deployment would do them.

    collectstatic runs first: trd_site/urls.py calls static() at import time, which with DEBUG off
    needs the staticfiles manifest, and migrate's system checks import the URLconf. (collectstatic
    runs only the staticfiles checks.) On a fresh checkout, migrate-then-collectstatic fails.
    """
    manage(env, "collectstatic", "--noinput")
    manage(env, "migrate", "--noinput")
    manage(env, "import_content")


def setup_django(env):
    """Configure Django in this process with the benchmark's environment (for rendering and query counts)."""
    os.environ.update(env)
    import django

    django.setup()


def client(host_port, accept_encoding=ACCEPT_ENCODING):
    """A fresh django.test.Client (fresh middleware, so whitenoise rescans STATIC_ROOT)."""
    from django.test import Client

    headers = {"HTTP_ACCEPT_ENCODING": accept_encoding} if accept_encoding else {}
    return Client(HTTP_HOST=f"{HOST}:{host_port}", **headers)


def render_article_html(host_port):
    """The article page as the site renders it (site URLs only: bench.urls needs this file to exist)."""
    from django.test import override_settings

    with override_settings(ROOT_URLCONF="trd_site.urls"):
        response = client(host_port, accept_encoding="identity").get(ARTICLE)
    if response.status_code != 200:
        raise BenchError(f"{ARTICLE} answered {response.status_code} in-process; cannot pre-render it")
    if response.get("Content-Encoding", "identity") != "identity":
        raise BenchError(f"{ARTICLE} came back {response['Content-Encoding']}-encoded although identity was asked for")
    return response.content


def write_static_copies(html, directories):
    """Write article.html with .gz and .br siblings (as collectstatic does) into each directory."""
    import brotli

    written = []
    for directory in directories:
        directory.mkdir(parents=True, exist_ok=True)
        for name, data in (
            ("article.html", html),
            ("article.html.gz", gzip.compress(html, compresslevel=9, mtime=0)),
            ("article.html.br", brotli.compress(html)),
        ):
            path = directory / name
            path.write_bytes(data)
            written.append(path)
    return written


def count_queries(host_port, targets):
    """Database queries per request, in-process: {name: (first request, after one warm-up request)}.

    The cache (this process's local memory: REDIS_URL is never passed on) is cleared before each
    URL, so the first count is a page-cache miss and the second what a warm server does.
    """
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = client(host_port)
    counts = {}
    for target in targets:
        if not target.django:
            continue
        cache.clear()
        measured = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = browser.get(target.path)
                response.close()
            measured.append(len(queries))
        counts[target.name] = tuple(measured) if response.status_code == 200 else f"({response.status_code})"
    return counts


def queries_cell(value):
    """'3' when cold and warm agree, '0 (cold 4)' when the page cache saves queries, '–' when not measured."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    cold, warm = value
    return str(warm) if cold == warm else f"{warm} (cold {cold})"


# --------------------------------------------------------------------------- servers




def wait_until_up(url, process, name, log_path, timeout=30.0):
    """Poll url until it answers 200; BenchError (with the log's tail) if the server exits or times out."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{name} exited with status {process.returncode} during start-up:\n{tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    log(f"{name} is up: {url}")
                    return
                last = f"status {response.status}"
        except urllib.error.HTTPError as error:
            last = f"status {error.code}"
        except OSError as error:
            last = str(error)
        time.sleep(0.2)
    raise BenchError(f"{name} did not answer 200 at {url} within {timeout:.0f} s ({last}):\n{tail(log_path)}")


def started(process, name, url, log_path):
    """Wait until the server answers; if it never does, stop it (the caller has no handle yet) and re-raise."""
    try:
        wait_until_up(url, process, name, log_path)
    except BaseException:
        stop_process(process, name)
        raise



def start_gunicorn(env, port, workers, log_path, threads=1, keepalive=5):
    """gunicorn with the project's gunicorn.conf.py, bench.settings, access log off."""
    gunicorn_env = {**env, "GUNICORN_WORKERS": str(workers), "GUNICORN_BIND": f"{HOST}:{port}",
                    "GUNICORN_THREADS": str(threads), "GUNICORN_KEEPALIVE": str(keepalive)}
    # --no-control-socket: gunicorn 27 otherwise opens ~/.gunicorn/gunicorn.ctl, shared by every instance.
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null", "--no-control-socket"]
    process = start_process(command, log_path, env=gunicorn_env, cwd=ROOT)
    log(f"started gunicorn (pid {process.pid}) on {HOST}:{port} with {workers} workers x {threads} threads")
    started(process, "gunicorn", f"http://{HOST}:{port}/healthz", log_path)
    return process


NGINX_CONF = """\
daemon off;
master_process on;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;

events {{ worker_connections 1024; }}

http {{
    types {{ text/html html; }}
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    gzip on;
    gzip_static on;
    gzip_vary on;

    server {{
        listen {host}:{port};
        server_name localhost;
        root {root};
    }}
}}
"""


def start_nginx(tmp, port, root):
    """Our own nginx (not the system service) serving `root` with gzip_static, config and logs in tmp."""
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, host=HOST, port=port, root=root))
    command = [find_tool("nginx"), "-c", str(conf), "-p", f"{tmp}/", "-e", str(tmp / "nginx-error.log")]
    log_path = tmp / "nginx.out"
    process = start_process(command, log_path)
    log(f"started nginx (pid {process.pid}) on {HOST}:{port}")
    started(process, "nginx", f"http://{HOST}:{port}/article.html", log_path)
    return process


# --------------------------------------------------------------------------- measuring


def fetch_body(url):
    """(status, headers, body bytes as sent) for a GET with Accept-Encoding: br, gzip.

    http.client, not urllib: it does not decode the body, and unlike urllib it does not send
    `Connection: close`, so the server's own keep-alive behaviour shows in the headers.
    """
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", path, headers={"Accept-Encoding": "br, gzip"})
        response = connection.getresponse()
        return response.status, response.headers, len(response.read())
    finally:
        connection.close()


LATENCY_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def to_ms(text):
    """'1.23ms' / '850.00us' / '1.02s' -> milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"unrecognised wrk latency {text!r}")
    return float(match.group(1)) * LATENCY_UNITS[match.group(2)]


def parse_wrk(output):
    """Requests/s, p50 and p99 (ms), non-2xx/3xx responses and socket errors from `wrk --latency` output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    if not (rps and p50 and p99):
        raise BenchError(f"could not parse wrk output:\n{output}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    requests = re.search(r"(\d+) requests in", output)
    return {
        "rps": float(rps.group(1)),
        "p50": to_ms(p50.group(1)),
        "p99": to_ms(p99.group(1)),
        "requests": int(requests.group(1)) if requests else 0,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(n) for n in sockets.groups()) if sockets else 0,
    }


def run_wrk(url, seconds, threads, connections):
    """One wrk run against url; the parsed numbers."""
    command = [
        find_tool("wrk"), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
        "-H", f"Accept-Encoding: {ACCEPT_ENCODING}", url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise BenchError(f"wrk failed on {url} (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


def benchmark(urls, args):
    """Alternating rounds: every target once per round. {target name: [result per round]}."""
    runs = {name: [] for name in urls}
    for round_number in range(1, args.rounds + 1):
        for name, url in urls.items():
            result = run_wrk(url, args.seconds, args.threads, args.connections)
            runs[name].append(result)
            log(
                f"round {round_number}/{args.rounds} {name:<18} {result['rps']:>9.1f} req/s  "
                f"p50 {result['p50']:.2f} ms  p99 {result['p99']:.2f} ms"
                + (f"  NON-2xx {result['non2xx']}" if result["non2xx"] else "")
                + (f"  socket errors {result['socket_errors']}" if result["socket_errors"] else "")
            )
    return runs


def summarize(runs):
    """Median of each metric over the rounds; sums of error counts."""
    summary = {}
    for name, results in runs.items():
        summary[name] = {
            "rps": statistics.median(r["rps"] for r in results),
            "p50": statistics.median(r["p50"] for r in results),
            "p99": statistics.median(r["p99"] for r in results),
            "rps_spread": (min(r["rps"] for r in results), max(r["rps"] for r in results)),
            "non2xx": sum(r["non2xx"] for r in results),
            "socket_errors": sum(r["socket_errors"] for r in results),
            "requests": sum(r["requests"] for r in results),
        }
    return summary


def gunicorn_problems(log_path):
    """Lines of the gunicorn log that suggest trouble (tracebacks, errors, worker timeouts, 500s)."""
    pattern = re.compile(r"Traceback|\bERROR\b|CRITICAL|WORKER TIMEOUT|Internal Server Error|Exception", re.I)
    return [line for line in Path(log_path).read_text(errors="replace").splitlines() if pattern.search(line)]


# --------------------------------------------------------------------------- reporting


def ratio(value, base):
    """'0.42x', or '–' without a base."""
    return f"{value / base:.2f}x" if base else "–"


def results_table(summary, sizes, queries):
    """The markdown results table."""
    bare = summary.get(BARE, {}).get("rps")
    nginx = summary.get(NGINX, {}).get("rps")
    lines = [
        "| target | requests/s | p50 ms | p99 ms | bytes | queries | vs bare Django | vs nginx |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for target in TARGETS:
        size, encoding = sizes.get(target.name, (None, None))
        size_text = f"{size:,} {encoding}" if size is not None else "–"
        query_text = queries_cell(queries.get(target.name))
        row = summary.get(target.name)
        if row is None:
            lines.append(f"| {target.name} (`{target.path}`) | failed | | | {size_text} | {query_text} | | |")
            continue
        lines.append(
            f"| {target.name} (`{target.path}`) | {row['rps']:,.0f} | {row['p50']:.2f} | {row['p99']:.2f} "
            f"| {size_text} | {query_text} | {ratio(row['rps'], bare)} | {ratio(row['rps'], nginx)} |"
        )
    return "\n".join(lines)


def notes(summary, failed, problems, args):
    """Warnings worth reading next to the table: failures, non-2xx, socket errors, wide spread, log lines."""
    found = [f"- **{name}** not benchmarked: {reason}" for name, reason in failed.items()]
    for name, row in summary.items():
        if row["non2xx"]:
            found.append(f"- **{name}**: {row['non2xx']:,} non-2xx/3xx responses of {row['requests']:,}")
        if row["socket_errors"]:
            found.append(f"- **{name}**: {row['socket_errors']:,} socket errors (connect/read/write/timeout)")
        low, high = row["rps_spread"]
        if args.rounds > 1 and row["rps"] and (high - low) / row["rps"] > 0.2:
            found.append(f"- {name}: requests/s varied {low:,.0f}–{high:,.0f} across rounds (>20% of the median)")
    if problems:
        found.append(f"- gunicorn log: {len(problems)} suspicious line(s), first ones:")
        found += [f"    - `{line[:200]}`" for line in problems[:10]]
    return found


def report_header(args):
    """What was measured, how, and on what."""
    when = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return "\n".join([
        "# TRD guide: HTTP benchmark",
        "",
        f"{when}; {platform.platform()}; {os.cpu_count()} CPUs; Python {platform.python_version()}; "
        f"load average at the end {', '.join(f'{n:.2f}' for n in os.getloadavg())} "
        "(other work on the machine shows up as noise).",
        f"gunicorn (gunicorn.conf.py, {args.workers} {'gthread' if args.gunicorn_threads > 1 else 'sync'} workers x {args.gunicorn_threads} threads, keep-alive {args.keepalive}s, access log off), DEBUG off, SQLite, "
        f"locmem cache, page cache {'OFF (--no-page-cache)' if args.no_page_cache else 'on (warm)'}; wrk -t{args.threads} -c{args.connections} -d{args.seconds}s "
        f"-H 'Accept-Encoding: {ACCEPT_ENCODING}', {args.rounds} alternating round(s), medians. "
        "wrk runs on the same machine as the servers.",
        "",
        "bytes = response body as sent to `Accept-Encoding: br, gzip`, with its Content-Encoding; "
        "queries = database queries per request (in-process, after a warm-up request; "
        "'cold' = the first request with an empty cache); "
        "vs columns = requests/s ratio.",
    ])


def write_results(text):
    """Save the report to bench/results/latest.md."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text + "\n", encoding="utf-8")
    log(f"wrote {RESULTS.relative_to(ROOT)}")


# --------------------------------------------------------------------------- main


def check_targets(urls):
    """Fetch every target once: body size and encoding; targets not answering 200 are dropped with a reason.

    Returns (sizes, failed, closes): closes names the targets whose server answers `Connection: close`
    (no keep-alive, so wrk opens a new connection for every request).
    """
    sizes, failed, closes = {}, {}, []
    for name, url in list(urls.items()):
        status, headers, size = fetch_body(url)
        sizes[name] = (size, headers.get("Content-Encoding", "identity"))
        if (headers.get("Connection") or "").lower() == "close":
            closes.append(name)
        if status != 200:
            failed[name] = f"answered {status}"
            del urls[name]
            log(f"{name}: {url} answered {status}; skipping it")
    return sizes, failed, closes


def measure_servers(args, tmp, env):
    """Build, start gunicorn and nginx, measure, stop. Returns (table text, notes, any target failed)."""
    from django.conf import settings

    gunicorn_port, nginx_port = free_ports(2)
    static_dir = Path(settings.STATIC_ROOT) / STATIC_SUBDIR
    nginx_root = tmp / "nginx-root"
    html = render_article_html(gunicorn_port)
    written = write_static_copies(html, [static_dir, nginx_root])
    log(f"pre-rendered {ARTICLE}: {len(html):,} bytes -> {static_dir} and {nginx_root}")
    gunicorn = nginx = None
    gunicorn_log = tmp / "gunicorn.log"
    try:
        gunicorn = start_gunicorn(env, gunicorn_port, args.workers, gunicorn_log, args.gunicorn_threads, args.keepalive)
        nginx = start_nginx(tmp, nginx_port, nginx_root)
        bases = {"gunicorn": f"http://{HOST}:{gunicorn_port}", "nginx": f"http://{HOST}:{nginx_port}"}
        urls = {target.name: bases[target.server] + target.path for target in TARGETS}
        sizes, failed, closes = check_targets(urls)
        queries = count_queries(gunicorn_port, TARGETS)
        estimate = len(urls) * args.rounds * args.seconds
        log(f"benchmarking {len(urls)} targets x {args.rounds} round(s) x {args.seconds} s (~{estimate} s)")
        summary = summarize(benchmark(urls, args))
    finally:
        stop_process(nginx, "nginx")
        stop_process(gunicorn, "gunicorn")
        for path in written:
            if path.is_relative_to(static_dir):
                path.unlink(missing_ok=True)
        if static_dir.exists() and not any(static_dir.iterdir()):
            static_dir.rmdir()
    problems = gunicorn_problems(gunicorn_log)
    found = notes(summary, failed, problems, args)
    if closes:
        found.append(f"- `Connection: close` (no keep-alive, a new TCP connection per request): {', '.join(closes)}")
    return results_table(summary, sizes, queries), found, bool(failed)


def glossary_section(repeat):
    """The glossary render timing table from bench/glossary.py, and whether its 3x limit held."""
    from bench import glossary

    log(f"glossary render timings ({repeat} renders per size)")
    text, ok = glossary.report(repeat)
    return "## Glossary linking cost (bench/glossary.py, pure rendering)\n\n" + text, ok


def main(argv=None):
    """Run everything; print and save the report. Exit 2 on set-up or server failure."""
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="trd-bench-"))
    tmp.chmod(0o755)  # nginx workers (user nobody when run as root) must read the static root
    try:
        ensure_tools()
        env = bench_env(tmp, ROOT / "staticfiles" / STATIC_SUBDIR / "article.html", page_cache=not args.no_page_cache)
        log(f"building the site in {tmp}")
        build_site(env)
        setup_django(env)
        table, warnings, target_failed = measure_servers(args, tmp, env)
        glossary_text, glossary_ok = glossary_section(args.glossary_repeat)
    except BenchError as error:
        print(f"bench/run.py: error: {error}", file=sys.stderr)
        return 2
    finally:
        if args.keep_temp:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    parts = [report_header(args), "", table]
    if warnings:
        parts += ["", "Notes:", "", *warnings]
    parts += ["", glossary_text]
    text = "\n".join(parts)
    print(text)
    write_results(text)
    return 1 if target_failed or not glossary_ok else 0


if __name__ == "__main__":
    sys.exit(main())
