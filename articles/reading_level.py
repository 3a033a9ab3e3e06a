"""How hard a text reads, for staff: the admin's form and preview, and the staff home's findings."""

from . import rendering

# Grade above which staff are warned that a text may be hard for tired readers.
READING_GRADE_LIMIT = 9


def readability(fragment: str) -> tuple[float, int]:
    """(Flesch-Kincaid grade, reading minutes) of rendered HTML; headings and list items count as sentences."""
    import textstat  # only staff pages need it

    lines = [line.strip() for line in rendering.plain_text(fragment).splitlines() if line.strip()]
    text = " ".join(line if line[-1] in ".!?" else line + "." for line in lines)
    grade = round(textstat.flesch_kincaid_grade(text), 1) if text else 0.0
    return grade, rendering.reading_minutes(len(rendering.WORD.findall(text)))
