"""HTTP benchmark: the site's cached article against outside floors, in one alternating run.

    .venv/bin/python bench/run.py [--seconds 10] [--rounds 3] [--connections 16] [--threads 2] [--workers 2]

Builds the site in a temporary directory (fresh SQLite database, DEBUG off, STATIC_ROOT there)
and starts, on 127.0.0.1 (ports 8100-8199): gunicorn (gunicorn.conf.py, sync workers, access log
off); the nginx front made of deploy/'s includes (static files, proxy headers, micro-cache; no
TLS); and the floor, a minimal Django project outside this one (bench/floor/: SecurityMiddleware,
WhiteNoise, CommonMiddleware) on the same gunicorn settings, returning the article's HTML as
saved from the running site. Then wrk measures, every round in this order:

    nginx static     that saved HTML as a static file (with its .gz) through the front's /static/
    floor            the floor project's one view
    article          the site's cached article, straight to gunicorn
    article (nginx)  the same article through the nginx front and its micro-cache

It reports medians, per-round ratios and the targets (article >= 0.9x the floor's requests/s
and p99 <= 1.5x the floor's; article through nginx >= 0.8x nginx static), then the glossary
render timings (bench/glossary.py), and writes the report to bench/results/latest.md.
Exit status: 0 all targets met, 1 a target missed or errors seen, 2 set-up or a server failed.
"""

import argparse
import datetime
import gzip
import http.client
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.harness import HOST, HarnessError, log, median  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "latest.md"
PORTS = range(8100, 8200)
ARTICLE = "/guide/what-does-treatment-look-like-for-trd/"
STATIC_FILE = "/static/bench/article.html"
ACCEPT_ENCODING = "gzip, br"
NGINX_STATIC, FLOOR, ARTICLE_DIRECT, ARTICLE_FRONT = "nginx static", "floor", "article", "article (nginx)"
# (what, measured, reference, metric, limit): measured/reference must be >= limit ("rps") or <= limit ("p99").
TARGETS = [
    ("article req/s vs floor", ARTICLE_DIRECT, FLOOR, "rps", 0.9),
    ("article p99 vs floor", ARTICLE_DIRECT, FLOOR, "p99", 1.5),
    ("article (nginx) req/s vs nginx static", ARTICLE_FRONT, NGINX_STATIC, "rps", 0.8),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per target per round (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are reported (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, site and floor (default 2)")
    parser.add_argument("--glossary-repeat", type=int, default=200, help="renders per glossary size (default 200)")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary directory (logs, database)")
    args = parser.parse_args(argv)
    if args.seconds < 1 or args.rounds < 1 or args.threads < 1 or args.connections < args.threads:
        parser.error("need --seconds >= 1, --rounds >= 1, --threads >= 1 and --connections >= --threads")
    return args


def fetch(url, accept_encoding=ACCEPT_ENCODING):
    """(status, headers, body) of one GET."""
    parts = url.split("/", 3)
    host, port = parts[2].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", "/" + parts[3], headers={"Accept-Encoding": accept_encoding})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def save_article(url, tmp, static_root):
    """The article's HTML as the running site sends it: for the floor, and as nginx's static file (+ .gz)."""
    status, headers, html = fetch(url, accept_encoding="identity")
    if status != 200 or headers.get("Content-Encoding", "identity") != "identity":
        raise HarnessError(f"{url} answered {status} {headers.get('Content-Encoding', '')}; cannot save the article")
    saved = Path(tmp) / "article.html"
    saved.write_bytes(html)
    static = Path(static_root) / "bench"
    static.mkdir(parents=True, exist_ok=True)
    (static / "article.html").write_bytes(html)
    (static / "article.html.gz").write_bytes(gzip.compress(html, compresslevel=9, mtime=0))
    log(f"saved {ARTICLE} from the running site: {len(html):,} bytes")
    return saved


def measure(args, tmp):
    """Build, start the three servers, measure in rounds, stop. {name: [wrk result per round]}, sizes, problems."""
    static_root = tmp / "static"
    env = harness.site_env(
        f"sqlite:///{tmp / 'db.sqlite3'}", DJANGO_STATIC_ROOT=str(static_root), DJANGO_PROXY_COUNT="1"
    )
    log(f"building the site in {tmp}")
    harness.build_site(ROOT, env)
    site_port, floor_port, front_port = harness.free_ports(3, PORTS)
    site = floor = front = None
    site_log = tmp / "gunicorn.log"
    try:
        site = harness.start_gunicorn(ROOT, env, site_port, args.workers, site_log, access_log=False)
        html = save_article(f"http://{HOST}:{site_port}{ARTICLE}", tmp, static_root)
        floor = harness.start_floor(floor_port, args.workers, html, tmp / "floor.log", ARTICLE)
        front = harness.start_nginx_front(tmp, front_port, site_port, static_root)
        urls = {
            NGINX_STATIC: f"http://{HOST}:{front_port}{STATIC_FILE}",
            FLOOR: f"http://{HOST}:{floor_port}{ARTICLE}",
            ARTICLE_DIRECT: f"http://{HOST}:{site_port}{ARTICLE}",
            ARTICLE_FRONT: f"http://{HOST}:{front_port}{ARTICLE}",
        }
        sizes = {}
        for name, url in urls.items():  # also warms every cache
            status, headers, body = fetch(url)
            if status != 200:
                raise HarnessError(f"{name}: {url} answered {status}")
            sizes[name] = f"{len(body):,} {headers.get('Content-Encoding', 'identity')}"
        log(
            f"{len(urls)} targets x {args.rounds} round(s) x {args.seconds} s (~{len(urls) * args.rounds * args.seconds} s)"
        )
        runs = {name: [] for name in urls}
        for number in range(1, args.rounds + 1):
            for name, url in urls.items():
                result = harness.run_wrk(
                    url, args.seconds, args.threads, args.connections, [f"Accept-Encoding: {ACCEPT_ENCODING}"]
                )
                runs[name].append(result)
                log(
                    f"round {number}/{args.rounds} {name:<16} {result['rps']:>9,.0f} req/s  p50 {result['p50']:.2f} ms"
                    f"  p99 {result['p99']:.2f} ms"
                    + (f"  non-2xx {result['non2xx']}" if result["non2xx"] else "")
                    + (f"  socket errors {result['socket_errors']}" if result["socket_errors"] else "")
                )
    finally:
        for process, name in ((front, "nginx"), (floor, "floor"), (site, "gunicorn")):
            harness.stop_process(process, name)
    problems = [
        line
        for line in site_log.read_text(errors="replace").splitlines()
        if any(word in line for word in ("Traceback", "[ERROR]", "[CRITICAL]", "WORKER TIMEOUT"))
    ]
    return runs, sizes, problems


def report(args, runs, sizes, problems):
    """The markdown report and whether every target was met without errors."""
    rows = [
        (
            name,
            f"{median(results, 'rps'):,.0f}",
            f"{median(results, 'p50'):.2f}",
            f"{median(results, 'p99'):.2f}",
            sizes[name],
            " / ".join(f"{r['rps']:,.0f}" for r in results),
            sum(r["non2xx"] + r["socket_errors"] for r in results),
        )
        for name, results in runs.items()
    ]
    table = harness.markdown_table(["target", "req/s", "p50 ms", "p99 ms", "bytes", "req/s per round", "errors"], rows)
    target_rows, ok = [], True
    for what, measured, reference, metric, limit in TARGETS:
        per_round = [m[metric] / r[metric] for m, r in zip(runs[measured], runs[reference], strict=True)]
        value = median(runs[measured], metric) / median(runs[reference], metric)
        met = value >= limit if metric == "rps" else value <= limit
        ok &= met
        target_rows.append(
            (
                what,
                f"{value:.2f}x",
                f"{'>=' if metric == 'rps' else '<='} {limit}x",
                " / ".join(f"{ratio:.2f}x" for ratio in per_round),
                "PASS" if met else "FAIL",
            )
        )
    errors = sum(row[-1] for row in rows)
    notes = []
    if errors:
        notes.append(f"- {errors:,} non-2xx responses or socket errors (see the errors column): FAIL")
    if problems:
        notes.append(f"- gunicorn log: {len(problems)} error line(s), first: `{problems[0][:200]}`: FAIL")
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = [
        "# TRD guide: HTTP benchmark (bench/run.py)",
        "",
        f"{when}; {platform.platform()}; {os.cpu_count()} CPUs; Python {platform.python_version()}; load average "
        f"at the end {', '.join(f'{n:.2f}' for n in os.getloadavg())} (other work on the machine is noise).",
        f"gunicorn {args.workers} sync workers (site and floor), DEBUG off, SQLite, page cache warm; nginx front from "
        f"deploy/ (micro-cache 1 s); wrk -t{args.threads} -c{args.connections} -d{args.seconds}s "
        f"-H 'Accept-Encoding: {ACCEPT_ENCODING}' on the same machine, {args.rounds} alternating round(s), medians.",
    ]
    text = "\n".join(
        [
            *header,
            "",
            table,
            "",
            "Targets (ratio of medians; per round in order):",
            "",
            harness.markdown_table(["target", "ratio", "limit", "per round", "result"], target_rows),
            *(["", "Notes:", "", *notes] if notes else []),
        ]
    )
    return text, ok and not errors and not problems


def main(argv=None):
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="trd-bench-"))
    tmp.chmod(0o755)  # nginx workers (user nobody when run as root) read the static root
    try:
        harness.require_tools("wrk", "nginx")
        runs, sizes, problems = measure(args, tmp)
        from bench import glossary

        log(f"glossary render timings ({args.glossary_repeat} renders per size)")
        glossary_text, glossary_ok = glossary.report(args.glossary_repeat)
    except HarnessError as error:
        print(f"bench/run.py: error: {error}", file=sys.stderr)
        return 2
    finally:
        if args.keep_temp:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    text, ok = report(args, runs, sizes, problems)
    text += "\n\n## Glossary linking cost (bench/glossary.py, pure rendering)\n\n" + glossary_text
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text + "\n", encoding="utf-8")
    log(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0 if ok and glossary_ok else 1


if __name__ == "__main__":
    sys.exit(main())
