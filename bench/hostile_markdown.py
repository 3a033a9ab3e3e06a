"""Time render_article() on hostile Markdown bodies and on the longest shipped article.

    .venv/bin/python bench/hostile_markdown.py [--timeout 60]

Each body renders in its own process, so a runaway one is stopped at the timeout
and a RecursionError is reported instead of ending the run.
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


def timed(body, answer):
    start = time.perf_counter()
    try:
        render_article(body)
        answer.put(f"{time.perf_counter() - start:.3f} s")
    except Exception as error:  # noqa: BLE001 - reported, not hidden
        answer.put(f"{type(error).__name__} after {time.perf_counter() - start:.3f} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    for name, body in BODIES.items():
        answer = multiprocessing.Queue()
        process = multiprocessing.Process(target=timed, args=(body, answer))
        process.start()
        process.join(args.timeout)
        if process.is_alive():
            process.terminate()
            result = f"still running after {args.timeout:.0f} s"
        else:
            result = answer.get()
        print(f"{name:45} {result}", flush=True)


if __name__ == "__main__":
    main()
