"""Whether a search is about suicide, self-harm, wanting to die, or being unsafe or in crisis.

The words and phrases are in data/crisis-phrases.txt, a plain list staff and clinicians can
review. A match shows the clinic's crisis help above any results.
"""

import functools
import re
from pathlib import Path

PHRASES_FILE = Path(__file__).parent / "data" / "crisis-phrases.txt"
_APOSTROPHES = re.compile(r"['’`´]")
_NOT_WORD = re.compile(r"[^\w]+")


def normalize(text: str) -> str:
    """Lower case, apostrophes dropped (don't -> dont), hyphens and punctuation as spaces."""
    return " ".join(_NOT_WORD.sub(" ", _APOSTROPHES.sub("", text.casefold())).split())


@functools.lru_cache(maxsize=1)
def phrases() -> frozenset[str]:
    lines = PHRASES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(normalize(line) for line in lines if line.strip() and not line.lstrip().startswith("#"))


@functools.lru_cache(maxsize=1)
def _longest() -> int:
    return max(len(phrase.split()) for phrase in phrases())


def is_crisis(query: str) -> bool:
    """True if any listed phrase appears in the query as whole words."""
    words = normalize(query).split()
    known = phrases()
    for size in range(1, _longest() + 1):
        for start in range(len(words) - size + 1):
            if " ".join(words[start : start + size]) in known:
                return True
    return False
