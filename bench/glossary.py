"""Render the whole guide against glossaries of 20, 500 and 5,000 terms; print medians.

    .venv/bin/python bench/glossary.py [--repeat 200]

Pure rendering (no database): the real content/ files, the real glossary padded with generated
terms. Exits 1 if 5,000 terms cost more than 1.5x what 20 terms cost.
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
    "anxiety sleep mood brain therapy care plan support clinic dose weeks medicine stress trauma pain energy appetite "
    "focus memory relief symptom trial response family team nurse doctor lithium thyroid omega light exercise diet "
    "walking journal group peer crisis safety relapse remission recovery"
).split()


def glossary(size, rng):
    """The real terms (name and aliases), then made-up ones of 1-3 words up to `size`."""
    terms, seen = [], set()
    for path in sorted((ROOT / "content" / "glossary").glob("*.md"))[:size]:
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        terms.append(
            Term(slug=meta["slug"], names=(meta["term"], *meta.get("aliases", [])), url=f"/glossary/{meta['slug']}/")
        )
        seen.add(meta["term"].lower())
    while len(terms) < size:
        name = " ".join(rng.sample(WORDS, rng.randint(1, 3))) + f" {rng.randint(0, 10**6)}"
        if name not in seen:
            seen.add(name)
            terms.append(Term(slug=name.replace(" ", "-"), names=(name,), url=f"/glossary/{name.replace(' ', '-')}/"))
    return terms


def report(repeat=200, sizes=(20, 500, 5000)):
    """The timing table as markdown text, and whether the 1.5x limit held: (text, ok)."""
    rng = random.Random(42)
    parts = sorted((ROOT / "content" / "articles").glob("*.md"))
    source = "\n\n".join(path.read_text(encoding="utf-8").split("---", 2)[2] for path in parts)
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
    lines = [
        f"Whole guide ({len(source.split())} words), median of {repeat} renders",
        "",
        "| terms | build matcher (ms) | render (ms, median) | terms linked | vs 20 terms |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {n:,} | {build:.2f} | {ms:.3f} | {linked} | {ms / rows[0][2]:.2f}x |" for n, build, ms, linked in rows
    ]
    ratio = rows[-1][2] / rows[0][2]
    if ratio > 1.5:
        lines += ["", f"FAIL: 5,000 terms cost {ratio:.2f}x the 20-term render (limit 1.5x)"]
    return "\n".join(lines), ratio <= 1.5


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    text, ok = report(parser.parse_args().repeat)
    print(text)
    sys.exit(0 if ok else 1)
