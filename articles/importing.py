"""Load the guide from content/ (markdown files with YAML front matter) into the database, and
write it back out (export_content), so an export restores exactly what staff edited.

Every file is read and checked before anything is written. The writes happen in one
transaction and each row passes the admin's own checks (the model's full_clean(), the form's
internal-link check, the admin's old-address rule); any problem rolls everything back. A row
whose content differs from what was last imported was edited by staff and is left alone (a
conflict) unless force=True.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import reversion
import yaml
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_slug
from django.db import DatabaseError, transaction
from django.utils import timezone

from . import rendering, reviews, search_index, sources, workflow
from .forms import broken_links
from .models import Article, GlossaryTerm, OldSlug, affected_by_terms, render_items
from .signals import collected_term_changes

# Far above the longest guide file (about 20 KB); reading stops here, so a huge or endless file cannot stall the import.
MAX_FILE_BYTES = 1_000_000
# Front matter is flat key: value pairs with one list of sources; deeper nesting is a mistake or an attack.
MAX_YAML_DEPTH = 10

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.DOTALL)


@dataclass(frozen=True)
class Kind:
    model: type
    folder: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    body_field: str
    body_required: bool

    @property
    def keys(self):
        return set(self.required) | set(self.optional)


REVIEW_KEYS = ("reviewed_by", "last_reviewed", "next_review_due")
ARTICLES = Kind(
    model=Article,
    folder="articles",
    required=("title", "slug", "summary"),  # and `order`, for a part of the guide (parse_file)
    optional=("kind", "order", "status", "published_at", *REVIEW_KEYS, "sources", "old_slugs", "review_seal"),
    body_field="body",
    body_required=True,
)
TERMS = Kind(
    model=GlossaryTerm,
    folder="glossary",
    required=("term", "slug", "definition"),
    optional=("aliases", "status", *REVIEW_KEYS, "sources", "old_slugs", "review_seal"),
    body_field="explanation",
    body_required=False,
)
KINDS = (TERMS, ARTICLES)  # terms first, so articles render against the new glossary

TEXT_KEYS = ("title", "slug", "summary", "term", "definition", "kind", "status", "reviewed_by", "review_seal")
EXPECTED_TYPES = {
    "order": (int,),
    "aliases": (list,),
    "sources": (list,),
    "old_slugs": (list,),
    "last_reviewed": (datetime.date,),
    "next_review_due": (datetime.date,),
    "published_at": (datetime.datetime, datetime.date),
}


class FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases (a few lines of them can expand to gigabytes)
    and at most MAX_YAML_DEPTH levels deep (deeper nesting would exhaust Python's stack)."""

    depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (&name, *name) are not allowed", event.start_mark
            )
        if self.depth >= MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested more than {MAX_YAML_DEPTH} levels deep", event.start_mark
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class ContentError(Exception):
    """One or more files in content/ are invalid; nothing was written."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Entry:
    kind: Kind
    path: Path
    name: str  # the path shown in messages, e.g. articles/01-what-is-trd.md
    fields: dict  # what the file sets: model fields, plus reviewed_by as a username and old_slugs
    review_seal: str | None = None

    @property
    def slug(self) -> str:
        return self.fields["slug"]


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    unreviewed: list[str] = field(default_factory=list)  # a review named in the file, without its seal


def fingerprint(fields: dict) -> str:
    """A stable hash of imported field values, to tell staff edits from our own imports."""
    canonical = {key: _canonical(value) for key, value in fields.items()}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _canonical(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).isoformat()  # the database gives it back in UTC
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        # Leading whitespace counts (an indented first line is a code block); a final newline does not.
        return value.replace("\r\n", "\n").rstrip()
    return value


def read_text(path: Path, root: Path) -> tuple[str | None, str | None]:
    """The file's text, or why it cannot be imported. Only regular files inside the content folder
    are opened, and no more than MAX_FILE_BYTES is read, so no file can stall or flood the import."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as error:
        return None, f"cannot be opened ({getattr(error, 'strerror', None) or error})"
    if not real.is_relative_to(root):
        return None, "points outside the content folder (only files inside it are imported)"
    try:
        # Non-blocking, so opening a named pipe returns at once instead of waiting for a writer.
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        return None, f"cannot be opened ({error.strerror})"
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None, "not a regular file"
    with os.fdopen(fd, "rb") as file:
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        return None, f"larger than the limit of {MAX_FILE_BYTES:,} bytes per file"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, "not valid UTF-8 text"


def parse_file(kind: Kind, path: Path, root: Path) -> tuple[Entry | None, list[str]]:
    """Read and check one file; return the entry or the problems, each naming the file."""
    root = Path(root).resolve()
    name = path.relative_to(root).as_posix()
    text, problem = read_text(path, root)
    if problem:
        return None, [f"{name}: {problem}"]
    text = text.replace("\r\n", "\n")
    if not text.strip():
        return None, [f"{name}: the file is empty"]
    match = FRONT_MATTER.match(text)
    if not match:
        return None, [f"{name}: missing front matter (a block between '---' lines at the top)"]
    try:
        meta = yaml.load(match.group(1), Loader=FrontMatterLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as error:
        problem = str(error).replace("\n", " ")
        return None, [f"{name}: invalid YAML front matter: {problem}"]
    if not isinstance(meta, dict):
        return None, [f"{name}: front matter must be key: value pairs"]

    problems = []
    unknown = sorted(set(map(str, meta)) - kind.keys)
    if unknown:
        allowed = ", ".join(sorted(kind.keys))
        problems.append(f"{name}: unknown front-matter key {', '.join(unknown)} (allowed: {allowed})")
    for key in kind.required:
        if meta.get(key) in (None, ""):
            problems.append(f"{name}: missing {key}")
    if kind is ARTICLES and meta.get("kind", Article.Kind.PART) == Article.Kind.PART and meta.get("order") is None:
        # A part's place in the guide is stated; a checklist is not numbered and joins the end.
        problems.append(f"{name}: missing order")
    for key in TEXT_KEYS:
        if meta.get(key) not in (None, "") and not isinstance(meta[key], str):
            problems.append(f"{name}: {key} must be text, not {type(meta[key]).__name__} (put it in quotes)")
    for key, types in EXPECTED_TYPES.items():
        # YAML reads `true` as a bool, which Python counts as an int.
        if meta.get(key) is not None and (not isinstance(meta[key], types) or isinstance(meta[key], bool)):
            problems.append(f"{name}: {key} has the wrong type ({type(meta[key]).__name__})")
    if isinstance(meta.get("aliases"), list) and not all(isinstance(a, str) and a.strip() for a in meta["aliases"]):
        problems.append(f"{name}: aliases must be a list of non-empty text")
    if isinstance(meta.get("old_slugs"), list):
        for old in meta["old_slugs"]:
            try:
                validate_slug(old if isinstance(old, str) else "")
            except ValidationError as error:
                problems.append(f"{name}: old_slugs: “{old}”: {' '.join(error.messages)}")
    if isinstance(meta.get("sources"), list):
        problems += [f"{name}: {problem}" for problem in sources.problems(meta["sources"])]
    # The body is exactly what follows the front matter, its leading spaces included. One blank
    # line after the closing --- (export_content writes it) and the final newline are layout.
    body = match.group(2)
    body = body[1:] if body.startswith("\n") else body
    body = body[:-1] if body.endswith("\n") else body
    if kind.body_required and not body.strip():
        problems.append(f"{name}: the body is empty")
    if problems:
        return None, problems

    fields = {key: meta[key] for key in kind.keys if key in meta and key != "review_seal"}
    if "sources" in fields:
        fields["sources"] = sources.normalized(fields["sources"] or [])
    if "old_slugs" in fields:
        fields["old_slugs"] = sorted(set(fields["old_slugs"] or []))
    if "aliases" in fields:
        fields["aliases"] = fields["aliases"] or []
    fields[kind.body_field] = body
    for key in ("title", "slug", "summary", "term", "definition", "kind", "status"):
        if isinstance(fields.get(key), str):
            fields[key] = fields[key].strip()
    published_at = fields.get("published_at")
    if isinstance(published_at, datetime.date) and not isinstance(published_at, datetime.datetime):
        published_at = datetime.datetime.combine(published_at, datetime.time())
    if isinstance(published_at, datetime.datetime) and published_at.tzinfo is None:
        fields["published_at"] = published_at.replace(tzinfo=datetime.UTC)
    fields.setdefault("status", Article.Status.PUBLISHED)
    try:
        kind.model(**{k: v for k, v in fields.items() if k not in ("reviewed_by", "old_slugs")}).clean_fields()
    except ValidationError as error:
        return None, _messages(name, error)
    return Entry(kind, path, name, fields, meta.get("review_seal")), []


def _messages(name: str, error: ValidationError) -> list[str]:
    """A model's validation errors as problem lines: one per field, naming the file."""
    return [
        f"{name}: {' '.join(msgs)}" if key == NON_FIELD_ERRORS else f"{name}: {key}: {' '.join(msgs)}"
        for key, msgs in error.message_dict.items()
    ]


def read_directory(root: Path) -> list[Entry]:
    """Parse every content file; raise ContentError listing every problem found."""
    root = Path(root)
    if not root.is_dir():
        raise ContentError([f"{root}: content folder not found"])
    root = root.resolve()
    entries, problems = [], []
    for kind in KINDS:
        seen: dict[str, Path] = {}
        for path in sorted((root / kind.folder).glob("*.md")):
            entry, file_problems = parse_file(kind, path, root)
            problems.extend(file_problems)
            if entry is None:
                continue
            if entry.slug in seen:
                first = seen[entry.slug].relative_to(root).as_posix()
                problems.append(f"{entry.name}: duplicate slug '{entry.slug}' (also in {first})")
                continue
            seen[entry.slug] = path
            entries.append(entry)
    if problems:
        raise ContentError(problems)
    return entries


def import_directory(root: Path, *, force: bool = False, dry_run: bool = False) -> ImportReport:
    """Check everything under root, then create/update rows in one transaction. Each row must
    pass the admin's checks against the glossary and guide as the import leaves them; any
    problem raises ContentError and nothing is written."""
    entries = read_directory(root)
    report = ImportReport()
    with transaction.atomic():
        problems, written = [], []
        with collected_term_changes() as term_changes:  # saves render nothing; rendering happens once below
            for entry in entries:
                # One revision per item: restoring one item never touches another.
                with reversion.create_revision():
                    reversion.set_comment(_history_comment(entry))
                    wrote, entry_problems = _apply(entry, report, force)
                problems += entry_problems
                if wrote:
                    written.append(entry)
        if problems:
            raise ContentError(problems)  # rolls the transaction back
        items = {(entry.kind.model, entry.slug): entry.kind.model.objects.get(slug=entry.slug) for entry in written}
        _render_once(items, term_changes)
        # Links are checked once every file is in, so a link to a page added in this import counts.
        for entry in written:
            item = items[(entry.kind.model, entry.slug)]
            body_field = entry.kind.body_field
            problems += [
                f"{entry.name}: {body_field}: the link “{href}” does not lead to any article or glossary term"
                for href in broken_links(rendering.links_in_html(getattr(item, item.RENDERED_FIELDS[0])))
            ]
        if problems:
            raise ContentError(problems)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _render_once(items: dict, term_changes) -> None:
    """Render every item written and every item its glossary changes affect, once each, against the
    glossary as the import leaves it; then index the items written. (A full rebuild after a change to
    the pipeline itself is `manage.py rerender`.)"""
    affected_articles, affected_terms = affected_by_terms(tuple(term_changes.names), term_changes.slugs)
    articles = {a.pk: a for a in affected_articles}
    terms = {t.pk: t for t in affected_terms}
    for item in items.values():
        (articles if isinstance(item, Article) else terms)[item.pk] = item
    render_items(list(articles.values()), list(terms.values()))
    for item in items.values():
        search_index.sync(item)


def _history_comment(entry: Entry) -> str:
    """What history says of an import: where it came from and when its sources were last checked."""
    checked = max((source["accessed"] for source in entry.fields.get("sources", [])), default=None)
    if checked is None:
        return "Imported from content/"
    return f"Imported from content/. Sources checked against public pages on {checked} (not a clinical review)."


def _find(model, slug: str):
    """The row a file's slug names: the item with that address, or the one staff renamed from it."""
    obj = model.objects.filter(slug=slug).first()
    if obj is None:
        old = OldSlug.objects.filter(slug=slug, **{f"{model.old_slug_field}__isnull": False}).first()
        obj = getattr(old, model.old_slug_field) if old else None
    return obj


def _values(obj, keys) -> dict:
    """A row's values as a file states them: the reviewer as a username, old addresses as a sorted list."""
    values = {}
    for key in keys:
        if key == "reviewed_by":
            values[key] = obj.reviewed_by.get_username() if obj.reviewed_by_id else None
        elif key == "old_slugs":
            values[key] = sorted(obj.old_slugs.values_list("slug", flat=True)) if obj.pk else []
        else:
            values[key] = getattr(obj, key)
    return values


def review_seal(kind: Kind, values: dict) -> str:
    """Written by export_content when the recorded review covers the words: a hash of the words and
    the review. If the file's words, reviewer or review date change, the review no longer counts."""
    keys = (*workflow.spec_for(kind.model).content, "slug", "reviewed_by", "last_reviewed")
    return fingerprint({key: values.get(key) for key in keys})


def _apply(entry: Entry, report: ImportReport, force: bool) -> tuple[bool, list[str]]:
    """Create or update one row, with the admin's checks: (whether it was written, its problems)."""
    model, name = entry.kind.model, entry.name
    label = f"{entry.kind.folder}/{entry.slug}"
    new_hash = fingerprint(entry.fields)
    obj = _find(model, entry.slug)
    created = obj is None
    new_address = created or obj.slug != entry.slug
    if created:
        obj = model()
    else:
        current = fingerprint(_values(obj, entry.fields))
        if current == new_hash:
            if obj.import_hash != new_hash:
                model.objects.filter(pk=obj.pk).update(import_hash=new_hash)
            report.unchanged.append(label)
            return False, []
        if current != obj.import_hash and not force:
            report.conflicts.append(label)
            return False, []

    problems = []
    for key, value in entry.fields.items():
        if key == "reviewed_by":
            # The admin offers only staff with credentials as reviewers.
            obj.reviewed_by = reviews.reviewers().filter(username=value).first() if value else None
            if value and obj.reviewed_by is None:
                problems.append(
                    f"{name}: reviewed_by: no active member of staff with credentials has the username “{value}”"
                )
        elif key != "old_slugs":
            setattr(obj, key, value)
    try:
        obj.full_clean()
    except ValidationError as error:
        problems += _messages(name, error)
    if new_address and (taken := workflow.address_problem(obj, obj.slug)):
        problems.append(f"{name}: slug: {taken}")
    if problems:
        return False, problems

    sealed = entry.review_seal == review_seal(entry.kind, entry.fields)
    if obj.reviewed_by_id and obj.last_reviewed and sealed:
        obj.content_changed_at = None  # the review in the file saw these very words
    elif not created or obj.reviewed_by_id:
        obj.content_changed_at = timezone.now()  # new words from a file: no earlier review covers them
    if obj.reviewed_by_id and obj.last_reviewed and not sealed:
        report.unreviewed.append(label)
    obj.import_hash = new_hash
    try:
        with transaction.atomic():  # a savepoint: a database refusal is reported, not a crash
            obj.defer_render = True  # rendered once, with the whole glossary in, by _render_once()
            obj.save()
            if "old_slugs" in entry.fields:
                problems += _set_old_slugs(obj, entry.fields["old_slugs"], name)
    except (DatabaseError, OverflowError) as error:
        reason = " ".join(str(error).split())  # one line, whatever the database said
        return False, [f"{name}: could not be saved ({reason})"]
    (report.created if created else report.updated).append(label)
    return True, problems


def _set_old_slugs(obj, slugs: list[str], name: str) -> list[str]:
    """Make the row's old addresses (which redirect to it) exactly `slugs`."""
    owner = type(obj).old_slug_field
    mine = OldSlug.objects.filter(**{owner: obj})
    mine.exclude(slug__in=slugs).delete()
    have = set(mine.values_list("slug", flat=True))
    problems = []
    for slug in slugs:
        if slug in have:
            continue
        if type(obj).objects.filter(slug=slug).exists():
            problems.append(f"{name}: old_slugs: “{slug}” is the current address of a {type(obj)._meta.verbose_name}")
            continue
        other = OldSlug.objects.filter(slug=slug, **{f"{owner}__isnull": False}).select_related(owner).first()
        if other is not None:
            problems.append(f"{name}: old_slugs: “{slug}” already leads to “{getattr(other, owner)}”")
            continue
        OldSlug.objects.create(slug=slug, **{owner: obj})
    return problems


def export_directory(root: Path, *, replace: bool = False) -> dict[str, int]:
    """Write every article (drafts too) and term back to content/ format; return counts per folder."""
    root = Path(root)
    counts = {}
    for kind in KINDS:
        folder = root / kind.folder
        existing = sorted(folder.glob("*.md")) if folder.is_dir() else []
        if existing and not replace:
            raise ContentError([f"{folder}: already holds content files (export with --force to replace them)"])
        # Only files (or links) are replaced: a folder named x.md is somebody's, not an old export.
        folders = [path for path in existing if path.is_dir() and not path.is_symlink()]
        if folders:
            raise ContentError(
                [f"{path.relative_to(root).as_posix()}: not a regular file, not replaced" for path in folders]
            )
    for kind in KINDS:
        folder = root / kind.folder
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.md"):
            stale.unlink()
        rows = kind.model.objects.all()
        for obj in rows:
            (folder / _file_name(kind, obj)).write_text(_serialize(kind, obj), encoding="utf-8")
        counts[kind.folder] = len(rows)
    return counts


def _file_name(kind: Kind, obj) -> str:
    return f"{obj.order:02d}-{obj.slug}.md" if kind is ARTICLES and not obj.is_checklist else f"{obj.slug}.md"


def _serialize(kind: Kind, obj) -> str:
    """One file: every key staff edit, empty ones as null or [] so a restore clears them too."""
    keys = [key for key in (*kind.required, *kind.optional) if key != "review_seal"]
    meta = _values(obj, keys)
    if reviews.public_review(obj) is not None:
        meta["review_seal"] = review_seal(kind, {**meta, kind.body_field: getattr(obj, kind.body_field)})
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000)
    body = getattr(obj, kind.body_field)
    # The body exactly, after one blank line (the import drops that line and the final newline).
    return f"---\n{front}---\n\n{body}\n" if body else f"---\n{front}---\n"
