"""Sources: where the medical statements on a page come from.

An article or term keeps its sources as a list of {title, publisher, url, accessed} in one JSON
field, so they are part of its history, its pending changes, its clinical review and its
restores like its words. One validation serves the admin form and content import.
"""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils.dateparse import parse_date

KEYS = ("title", "publisher", "url", "accessed")
LABELS = {"title": "title", "publisher": "publisher", "url": "URL", "accessed": "date accessed"}
HTTP_URL = re.compile(r"https?://[^\s/$.?#][^\s]*\Z", re.IGNORECASE)
EMPTY_ROWS = 2


def problems(sources) -> list[str]:
    """What is wrong with a list of sources, each message naming the source and the field."""
    if not isinstance(sources, list):
        return ["sources must be a list of sources"]
    found = []
    for number, source in enumerate(sources, start=1):
        if not isinstance(source, dict):
            found.append(f"source {number}: must have a title, publisher, url and accessed date")
            continue
        unknown = sorted(set(map(str, source)) - set(KEYS))
        if unknown:
            found.append(f"source {number}: unknown field {', '.join(unknown)} (allowed: {', '.join(KEYS)})")
        for key in ("title", "publisher"):
            if not str(source.get(key) or "").strip():
                found.append(f"source {number}: the {LABELS[key]} is missing")
        url = str(source.get("url") or "").strip()
        if not HTTP_URL.match(url):
            found.append(f"source {number}: the URL must be a web address starting with http:// or https://")
        accessed = source.get("accessed")
        if isinstance(accessed, str):
            accessed = parse_date(accessed.strip()) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", accessed.strip()) else None
        if not isinstance(accessed, datetime.date):
            found.append(f"source {number}: the date accessed must be a date like 2026-11-28")
        elif accessed > datetime.date.today():
            found.append(f"source {number}: the date accessed is in the future")
    return found


def normalized(sources: list[dict]) -> list[dict]:
    """Sources as stored: every key, stripped text, the date as ISO text."""
    return [
        {
            "title": str(s["title"]).strip(),
            "publisher": str(s["publisher"]).strip(),
            "url": str(s["url"]).strip(),
            "accessed": s["accessed"].isoformat()
            if isinstance(s["accessed"], datetime.date)
            else str(s["accessed"]).strip(),
        }
        for s in sources
    ]


class SourcesWidget(forms.Widget):
    """One row of four inputs per source, plus empty rows to add more (no JavaScript needed)."""

    template_name = "admin/articles/sources_widget.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = list(value or []) + [{}] * EMPTY_ROWS
        context["widget"]["rows"] = [
            {"number": i, "cells": [(key, LABELS[key], row.get(key, "")) for key in KEYS]} for i, row in enumerate(rows)
        ]
        return context

    def value_from_datadict(self, data, files, name):
        rows, i = [], 0
        while any(f"{name}-{i}-{key}" in data for key in KEYS):
            row = {key: (data.get(f"{name}-{i}-{key}") or "").strip() for key in KEYS}
            if any(row.values()):
                rows.append(row)
            i += 1
        return rows

    def value_omitted_from_data(self, data, files, name):
        return not any(key.startswith(f"{name}-") for key in data)


class SourcesField(forms.Field):
    widget = SourcesWidget

    def prepare_value(self, value):
        return value or []

    def to_python(self, value):
        return value or []

    def validate(self, value):
        super().validate(value)
        found = problems(value)
        if found:
            raise forms.ValidationError([message[0].upper() + message[1:] + "." for message in found])

    def clean(self, value):
        value = super().clean(value)
        return normalized(value)
