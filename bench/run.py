"""HTTP benchmark: the site's cached article against outside floors, in alternating rounds.

    .venv/bin/python bench/run.py [--seconds 10] [--rounds 3] [--connections 16] [--workers 2]

wrk measures, each round in this order: the article's HTML as a static file through the nginx front
made of deploy/'s includes, the floor (bench/floor.py), the cached article straight from gunicorn,
and the article through the front; then glossary.py's timings. README "Performance and benchmarks"
has the targets. Writes bench/results/latest.md. Exit status: 0 all targets met, 1 a target missed
or errors seen, 2 set-up failed (e.g. wrk or nginx missing: apt-get install -y wrk nginx).
"""

import argparse
import contextlib
import datetime
import gzip
import os
import platform
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import glossary, harness  # noqa: E402
from bench.harness import HOST, log, median  # noqa: E402

ARTICLE = "/guide/what-does-treatment-look-like-for-trd/"
ENCODING = "gzip, br"
# (what, measured, reference, metric, limit): measured/reference >= limit for "rps", <= limit for "p99".
TARGETS = [
    ("article req/s vs floor", "article", "floor", "rps", 0.9),
    ("article p99 vs floor", "article", "floor", "p99", 1.5),
    ("article (nginx) req/s vs nginx static", "article (nginx)", "nginx static", "rps", 0.8),
]


def fetch(url, encoding=ENCODING):
    """(Content-Encoding, body) of a 200 answer; it also warms the caches."""
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept-Encoding": encoding})) as response:
        return response.headers.get("Content-Encoding", "identity"), response.read()


def measure(args, tmp):
    """Build, start the three servers, run the rounds: {target: [wrk result per round]} and sizes."""
    static = tmp / "static"
    env = harness.site_env(f"sqlite:///{tmp / 'db.sqlite3'}", DJANGO_STATIC_ROOT=str(static), DJANGO_PROXY_COUNT="1")
    harness.build_site(env)
    site, floor, front = (harness.free_port() for _ in range(3))
    with contextlib.ExitStack() as servers:
        servers.enter_context(harness.gunicorn(env, site, args.workers, tmp / "gunicorn.log", access_log=False))
        encoding, html = fetch(f"http://{HOST}:{site}{ARTICLE}", "identity")
        (tmp / "article.html").write_bytes(html)  # for the floor, and as nginx's static file (+ .gz)
        (static / "bench").mkdir()
        (static / "bench" / "article.html").write_bytes(html)
        (static / "bench" / "article.html.gz").write_bytes(gzip.compress(html, compresslevel=9, mtime=0))
        log(f"saved {ARTICLE} from the running site: {len(html):,} bytes {encoding}")
        servers.enter_context(harness.floor(floor, args.workers, tmp / "article.html", tmp / "floor.log", ARTICLE))
        servers.enter_context(harness.nginx_front(tmp, front, site, static))
        urls = {
            "nginx static": f"http://{HOST}:{front}/static/bench/article.html",
            "floor": f"http://{HOST}:{floor}{ARTICLE}",
            "article": f"http://{HOST}:{site}{ARTICLE}",
            "article (nginx)": f"http://{HOST}:{front}{ARTICLE}",
        }
        sizes = {}
        for name, url in urls.items():
            encoding, body = fetch(url)
            sizes[name] = f"{len(body):,} {encoding}"
        runs = {name: [] for name in urls}
        for number in range(1, args.rounds + 1):
            for name, url in urls.items():
                result = harness.wrk(url, args.seconds, 2, args.connections, f"Accept-Encoding: {ENCODING}")
                runs[name].append(result)
                log(f"round {number}/{args.rounds} {name:<16} {result['rps']:>9,.0f} req/s  p99 {result['p99']:.2f} ms")
    return runs, sizes, harness.problems(tmp / "gunicorn.log")


def report(args, runs, sizes, problems):
    """The markdown report, and whether every target was met without errors."""
    rows = [
        (name, f"{median(rs, 'rps'):,.0f}", f"{median(rs, 'p50'):.2f}", f"{median(rs, 'p99'):.2f}", sizes[name])
        + (" / ".join(f"{r['rps']:,.0f}" for r in rs), sum(r["errors"] for r in rs))
        for name, rs in runs.items()
    ]
    targets, ok = [], True
    for what, measured, reference, metric, limit in TARGETS:
        ratio = median(runs[measured], metric) / median(runs[reference], metric)
        met = ratio >= limit if metric == "rps" else ratio <= limit
        ok &= met
        per_round = " / ".join(
            f"{m[metric] / r[metric]:.2f}x" for m, r in zip(runs[measured], runs[reference], strict=True)
        )
        sign = ">=" if metric == "rps" else "<="
        targets.append((what, f"{ratio:.2f}x", f"{sign} {limit}x", per_round, "PASS" if met else "FAIL"))
    errors = sum(row[-1] for row in rows)
    notes = [f"- {errors:,} non-2xx responses or socket errors: FAIL"] if errors else []
    notes += [f"- gunicorn log: {len(problems)} error line(s), first: `{problems[0][:200]}`: FAIL"] if problems else []
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    text = f"""# TRD guide: HTTP benchmark (bench/run.py)

{when}; {platform.platform()}; {os.cpu_count()} CPUs; Python {platform.python_version()}; load average at the end \
{load} (other work on the machine is noise).
gunicorn {args.workers} sync workers (site and floor), DEBUG off, SQLite, page cache warm; nginx front from deploy/ \
(micro-cache 1 s); wrk -t2 -c{args.connections} -d{args.seconds}s -H 'Accept-Encoding: {ENCODING}' on \
the same machine, {args.rounds} alternating round(s), medians.

{harness.table(["target", "req/s", "p50 ms", "p99 ms", "bytes", "req/s per round", "errors"], rows)}

Targets (ratio of medians; per round in order):

{harness.table(["target", "ratio", "limit", "per round", "result"], targets)}
"""
    return text + ("\nNotes:\n\n" + "\n".join(notes) + "\n" if notes else ""), ok and not notes


def run():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per target per round (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are reported (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, site and floor (default 2)")
    parser.add_argument("--glossary-repeat", type=int, default=200, help="renders per glossary size (default 200)")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary directory (logs, database)")
    args = parser.parse_args()
    if min(args.seconds, args.rounds, args.connections - 1) < 1:
        parser.error("need --seconds and --rounds >= 1 and --connections >= 2 (wrk runs 2 threads)")
    for name in ("wrk", "nginx"):
        harness.tool(name)
    with harness.workdir("trd-bench-", args.keep_temp) as tmp:
        text, ok = report(args, *measure(args, tmp))
    glossary_text, glossary_ok = glossary.report(args.glossary_repeat)
    text += f"\n## Glossary linking cost (bench/glossary.py, pure rendering)\n\n{glossary_text}"
    harness.report(text, "latest.md")
    return 0 if ok and glossary_ok else 1


if __name__ == "__main__":
    sys.exit(harness.main(run))
