"""Time render_article() on hostile Markdown bodies and on the longest shipped article.

    .venv/bin/python bench/hostile_markdown.py [--timeout 60]

Each body renders in its own process, so a runaway one is stopped at the timeout and a
RecursionError is reported instead of ending the run.
"""

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.rendering import render_article  # noqa: E402

LONGEST = max((ROOT / "content" / "articles").glob("*.md"), key=lambda path: path.stat().st_size)
BODIES = {
    "10 KB of [": "[" * 10_000,
    "40 KB of [": "[" * 40_000,
    "'- ' x 20000": "- " * 20_000,
    "'- ' x 20000 + 'x'": "- " * 20_000 + "x",
    "'a\\n=\\n' x 10000 (setext headings)": "a\n=\n" * 10_000,
    "'> ' x 20000": "> " * 20_000,
    "'[a](' x 8000": "[a](" * 8_000,
    "[ x 5000 then ] x 5000": "[" * 5_000 + "]" * 5_000,
    "'* ' x 20000 on one line": "* " * 20_000,
    "'*a' x 20000": "*a" * 20_000,
    f"{LONGEST.name} ({LONGEST.stat().st_size} bytes)": LONGEST.read_text(encoding="utf-8").split("---\n", 2)[2],
}


def timed(body):
    """Render once (in a pool's process): the time, or the error and when it came."""
    start = time.perf_counter()
    try:
        render_article(body)
        return f"{time.perf_counter() - start:.3f} s"
    except Exception as error:  # noqa: BLE001 - reported, not hidden
        return f"{type(error).__name__} after {time.perf_counter() - start:.3f} s"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60)
    timeout = parser.parse_args().timeout
    for name, body in BODIES.items():
        with multiprocessing.Pool(1) as pool:  # leaving the `with` ends a render still running
            try:
                result = pool.apply_async(timed, (body,)).get(timeout)
            except multiprocessing.TimeoutError:
                result = f"still running after {timeout:.0f} s"
        print(f"{name:45} {result}", flush=True)
