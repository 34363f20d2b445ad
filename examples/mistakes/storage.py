"""A stand-in for a database: documents kept in memory, one dict per document."""

from __future__ import annotations

import itertools

_documents: dict[int, dict] = {}
_ids = itertools.count(1)


def list_documents(page: int = 1, per_page: int = 20) -> list[dict]:
    documents = sorted(_documents.values(), key=lambda d: d["id"])
    start = (page - 1) * per_page
    return documents[start:start + per_page]


def add_document(title: str, filename: str) -> dict:
    document = {"id": next(_ids), "title": title, "filename": filename}
    _documents[document["id"]] = document
    return document
