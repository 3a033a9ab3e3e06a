"""What search keeps: one row per searchable passage, and staff's list of the words patients use.

Imported by models.py so Django registers them; the index itself is search_index.py.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SearchEntry(models.Model):
    """One passage a reader can land on: a section of an article (under its heading, with the
    heading's anchor) or a glossary term. Rebuilt from the stored HTML whenever the item is saved.

    SQLite searches it through an FTS5 table kept in step by triggers; PostgreSQL through
    `vector`, a stored tsvector with a GIN index (both made by migration 0011)."""

    article = models.ForeignKey("articles.Article", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    term = models.ForeignKey("articles.GlossaryTerm", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    anchor = models.CharField(max_length=100, blank=True, help_text="The section's id on the page, if any.")
    position = models.PositiveIntegerField(default=0, help_text="The section's place in the article.")
    title = models.CharField(max_length=300, help_text="The section heading, or the term's name.")
    names = models.TextField(blank=True, help_text="The article's title, or the term's name and aliases.")
    body = models.TextField(blank=True)
    vector = SearchVectorField(null=True, editable=False)  # PostgreSQL only

    class Meta:
        ordering = ["article", "position"]
        verbose_name_plural = "search entries"

    def __str__(self):
        return self.title


class Synonym(models.Model):
    """A word or phrase readers use, and the guide's words for it: a brand name and its medicine,
    an everyday or old name and the clinical term. Search looks for both."""

    phrase = models.CharField(
        max_length=100,
        unique=True,
        help_text="What a reader might type, e.g. “shock therapy” or a brand name. Case does not matter.",
    )
    means = models.CharField(
        max_length=100, help_text="The words the guide uses for it, e.g. “electroconvulsive therapy”."
    )
    note = models.CharField(max_length=300, blank=True, help_text="For colleagues: why, and a source for a brand name.")

    class Meta:
        ordering = ["phrase"]

    def __str__(self):
        return f"{self.phrase} → {self.means}"
