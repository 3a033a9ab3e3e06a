"""Render the whole guide against glossaries of 20, 500 and 5,000 terms; print medians.

    .venv/bin/python bench/glossary.py [--repeat 200]

Pure rendering (no database): the real content/ files, the real glossary padded with
generated terms. Exits 1 if 5,000 terms cost more than 1.5x what 20 terms cost.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from articles.rendering import GlossaryMatcher, Term, render_article  # noqa: E402

WORDS = (
    "anxiety sleep mood brain therapy care plan support clinic dose weeks medicine stress trauma pain "
    "energy appetite focus memory relief symptom trial response family team nurse doctor lithium thyroid "
    "omega light exercise diet walking journal group peer crisis safety relapse remission recovery"
).split()


def real_terms():
    terms = []
    for path in sorted((ROOT / "content" / "glossary").glob("*.md")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        names = (meta["term"], *meta.get("aliases", []))
        terms.append(Term(slug=meta["slug"], names=names, url=f"/glossary/{meta['slug']}/"))
    return terms


def glossary(size, rng):
    terms = real_terms()[:size]
    seen = {t.names[0].lower() for t in terms}
    while len(terms) < size:
        name = " ".join(rng.sample(WORDS, rng.randint(1, 3))) + f" {rng.randint(0, 10**6)}"
        if name not in seen:
            seen.add(name)
            slug = name.replace(" ", "-")
            terms.append(Term(slug=slug, names=(name,), url=f"/glossary/{slug}/"))
    return terms


def guide_source():
    parts = sorted((ROOT / "content" / "articles").glob("*.md"))
    return "\n\n".join(path.read_text(encoding="utf-8").split("---", 2)[2] for path in parts)


def measure(repeat=200, sizes=(20, 500, 5000)):
    """Render the whole guide `repeat` times per glossary size.

    Returns (word count of the guide, rows), one row per size:
    (size, build matcher ms, median render ms, terms linked).
    """
    rng = random.Random(42)
    source = guide_source()
    rows = []
    for size in sizes:
        terms = glossary(size, rng)
        start = time.perf_counter()
        matcher = GlossaryMatcher(terms)
        build_ms = (time.perf_counter() - start) * 1000
        timings = []
        for _ in range(repeat):
            start = time.perf_counter()
            result = render_article(source, matcher)
            timings.append((time.perf_counter() - start) * 1000)
        rows.append((size, build_ms, statistics.median(timings), len(result.terms_used)))
    return len(source.split()), rows


def report(repeat=200):
    """The timing table as markdown text, and whether the 1.5x limit held: (text, ok)."""
    words, rows = measure(repeat)
    base = rows[0][2]
    lines = [
        f"Whole guide ({words} words), median of {repeat} renders",
        "",
        "| terms | build matcher (ms) | render (ms, median) | terms linked | vs 20 terms |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, build_ms, median, linked in rows:
        lines.append(f"| {size:,} | {build_ms:.2f} | {median:.3f} | {linked} | {median / base:.2f}x |")
    ratio = rows[-1][2] / base
    ok = ratio <= 1.5
    if not ok:
        lines += ["", f"FAIL: 5,000 terms cost {ratio:.2f}x the 20-term render (limit 1.5x)"]
    return "\n".join(lines), ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    text, ok = report(args.repeat)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
