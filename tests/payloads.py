"""The hostile-markup corpus, tests/data/xss_payloads.txt: one payload a line, `\\n` for a newline
inside one, lines starting with `# ` are comments. Used by test_security.py and test_browser_security.py."""

from pathlib import Path

PAYLOADS = [
    line.replace("\\n", "\n")
    for line in (Path(__file__).parent / "data" / "xss_payloads.txt").read_text(encoding="utf-8").split("\n")
    if line and not line.startswith("# ")
]
