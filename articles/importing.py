"""Load the guide from content/ (markdown files with YAML front matter) into the database.

Every file is read and validated before anything is written; the writes happen in one
transaction. A row whose content differs from what was last imported was edited by staff
and is left alone (a conflict) unless force=True.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import reversion
import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import sources
from .models import Article, GlossaryTerm, rerender_all
from .signals import rerender_suppressed

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


ARTICLES = Kind(
    model=Article,
    folder="articles",
    required=("title", "slug", "order", "summary"),
    optional=("status", "published_at", "last_reviewed", "next_review_due", "sources"),
    body_field="body",
    body_required=True,
)
TERMS = Kind(
    model=GlossaryTerm,
    folder="glossary",
    required=("term", "slug", "definition"),
    optional=("aliases", "status", "sources"),
    body_field="explanation",
    body_required=False,
)
KINDS = (TERMS, ARTICLES)  # terms first, so articles render against the new glossary

EXPECTED_TYPES = {
    "order": (int,),
    "aliases": (list,),
    "sources": (list,),
    "last_reviewed": (datetime.date,),
    "next_review_due": (datetime.date,),
    "published_at": (datetime.datetime, datetime.date),
}


class ContentError(Exception):
    """One or more files in content/ are invalid; nothing was written."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Entry:
    kind: Kind
    path: Path
    fields: dict

    @property
    def slug(self) -> str:
        return self.fields["slug"]


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def fingerprint(fields: dict) -> str:
    """A stable hash of imported field values, to tell staff edits from our own imports."""
    canonical = {key: _canonical(value) for key, value in fields.items()}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _canonical(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    return value


def parse_file(kind: Kind, path: Path, root: Path) -> tuple[Entry | None, list[str]]:
    """Read and validate one file; return the entry or the problems, each naming the file."""
    name = path.relative_to(root).as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [f"{name}: not valid UTF-8 text"]
    if not text.strip():
        return None, [f"{name}: the file is empty"]
    match = FRONT_MATTER.match(text)
    if not match:
        return None, [f"{name}: missing front matter (a block between '---' lines at the top)"]
    try:
        meta = yaml.safe_load(match.group(1))
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
    for key, types in EXPECTED_TYPES.items():
        if meta.get(key) is not None and not isinstance(meta[key], types):
            problems.append(f"{name}: {key} has the wrong type ({type(meta[key]).__name__})")
    if isinstance(meta.get("aliases"), list) and not all(isinstance(a, str) and a.strip() for a in meta["aliases"]):
        problems.append(f"{name}: aliases must be a list of non-empty text")
    if isinstance(meta.get("sources"), list):
        problems += [f"{name}: {problem}" for problem in sources.problems(meta["sources"])]
    body = match.group(2).strip()
    if kind.body_required and not body:
        problems.append(f"{name}: the body is empty")
    if problems:
        return None, problems

    fields = {key: meta[key] for key in kind.keys if key in meta}
    if "sources" in fields:
        fields["sources"] = sources.normalized(fields["sources"])
    fields[kind.body_field] = body
    for key in ("title", "slug", "summary", "term", "definition", "status"):
        if isinstance(fields.get(key), str):
            fields[key] = fields[key].strip()
    published_at = fields.get("published_at")
    if isinstance(published_at, datetime.date) and not isinstance(published_at, datetime.datetime):
        published_at = datetime.datetime.combine(published_at, datetime.time())
    if isinstance(published_at, datetime.datetime) and published_at.tzinfo is None:
        fields["published_at"] = published_at.replace(tzinfo=datetime.UTC)
    fields.setdefault("status", Article.Status.PUBLISHED)
    try:
        kind.model(**fields).clean_fields()
    except ValidationError as error:
        return None, [f"{name}: {key}: {' '.join(msgs)}" for key, msgs in error.message_dict.items()]
    return Entry(kind, path, fields), []


def read_directory(root: Path) -> list[Entry]:
    """Parse every content file; raise ContentError listing every problem found."""
    root = Path(root)
    if not root.is_dir():
        raise ContentError([f"{root}: content folder not found"])
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
                problems.append(f"{path.relative_to(root).as_posix()}: duplicate slug '{entry.slug}' (also in {first})")
                continue
            seen[entry.slug] = path
            entries.append(entry)
    if problems:
        raise ContentError(problems)
    return entries


def import_directory(root: Path, *, force: bool = False, dry_run: bool = False) -> ImportReport:
    """Validate everything under root, then create/update rows in one transaction."""
    entries = read_directory(root)
    report = ImportReport()
    with transaction.atomic():
        with rerender_suppressed():
            for entry in entries:
                # One revision per item: restoring one item never touches another.
                with reversion.create_revision():
                    reversion.set_comment(_history_comment(entry))
                    _apply(entry, report, force)
        # Also refreshes stored HTML after a change to the rendering pipeline itself.
        rerender_all()
        if dry_run:
            transaction.set_rollback(True)
    return report


def _history_comment(entry: Entry) -> str:
    """What history says of an import: where it came from and when its sources were last checked."""
    checked = max((source["accessed"] for source in entry.fields.get("sources", [])), default=None)
    if checked is None:
        return "Imported from content/"
    return f"Imported from content/. Sources checked against public pages on {checked} (not a clinical review)."


def _apply(entry: Entry, report: ImportReport, force: bool) -> None:
    model = entry.kind.model
    label = f"{entry.kind.folder}/{entry.slug}"
    new_hash = fingerprint(entry.fields)
    obj = model.objects.filter(slug=entry.slug).first()
    if obj is None:
        obj = model(**entry.fields, import_hash=new_hash)
        obj.save()
        report.created.append(label)
        return
    current = fingerprint({key: getattr(obj, key) for key in entry.fields})
    if current == new_hash:
        if obj.import_hash != new_hash:
            model.objects.filter(pk=obj.pk).update(import_hash=new_hash)
        report.unchanged.append(label)
        return
    if current != obj.import_hash and not force:
        report.conflicts.append(label)
        return
    for key, value in entry.fields.items():
        setattr(obj, key, value)
    obj.import_hash = new_hash
    obj.content_changed_at = timezone.now()  # new words from a file: no earlier review covers them
    obj.save()
    report.updated.append(label)


def export_directory(root: Path, *, replace: bool = False) -> dict[str, int]:
    """Write every article (drafts too) and term back to content/ format; return counts per folder."""
    root = Path(root)
    counts = {}
    for kind in KINDS:
        folder = root / kind.folder
        existing = sorted(folder.glob("*.md")) if folder.is_dir() else []
        if existing and not replace:
            raise ContentError([f"{folder}: already holds content files (export with --force to replace them)"])
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
    return f"{obj.order:02d}-{obj.slug}.md" if kind is ARTICLES else f"{obj.slug}.md"


def _serialize(kind: Kind, obj) -> str:
    meta = {}
    for key in (*kind.required, *kind.optional):
        value = getattr(obj, key)
        if value not in (None, "", []) or key in kind.required:
            meta[key] = value
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000)
    body = getattr(obj, kind.body_field).strip()
    return f"---\n{front}---\n{body}\n" if body else f"---\n{front}---\n"
