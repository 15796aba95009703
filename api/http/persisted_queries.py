"""Persisted queries (trusted documents): the operations this API's clients send, known by their SHA-256 hash.

The manifest, ``GRAPHQL_PERSISTED_QUERIES_MANIFEST`` (``api/http/persisted_queries.json``), maps the SHA-256 hex
digest of each document's exact text (UTF-8, comments and white space included) to that text. `build_manifest`
collects every ``examples/*.graphql`` and every ``*.graphql`` under the directories of
``GRAPHQL_TRUSTED_DOCUMENTS_DIRS`` (a front end's operations); ``manage.py build_persisted_queries`` writes it,
and a test fails when the committed file differs from what the command builds now.

A request may then name its document by hash instead of sending it, in either form:

- Apollo's automatic persisted queries: ``{"extensions": {"persistedQuery": {"version": 1, "sha256Hash":
  "<hex>"}}, "variables": {...}}``; over GET, ``extensions`` is a JSON-encoded query parameter;
- GraphQL-over-HTTP's trusted documents: ``{"documentId": "sha256:<hex>", "variables": {...}}``.

Documents are never registered from requests: a hash must be in the manifest. With
``GRAPHQL_PERSISTED_QUERIES_ONLY`` a document sent in full runs only if its hash is in the manifest too.
"""

import functools
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

logger = logging.getLogger("api")

_HEX = re.compile(r"[0-9a-f]{64}")


class InvalidPersistedQuery(ValueError):
    """The request names its document by hash, but not in a form this API reads."""


def document_hash(document: str) -> str:
    """SHA-256 hex digest of a document's text, encoded as UTF-8."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def source_directories() -> list[Path]:
    """Where trusted documents come from: ``examples/`` and the ``GRAPHQL_TRUSTED_DOCUMENTS_DIRS``.

    Relative directories are relative to the project's root, ``BASE_DIR``.
    """
    base = Path(settings.BASE_DIR)
    return [base / "examples", *(base / directory for directory in settings.GRAPHQL_TRUSTED_DOCUMENTS_DIRS)]


def build_manifest() -> dict[str, str]:
    """``{sha256 hex: document}`` of ``examples/*.graphql`` and ``*.graphql`` under the trusted directories.

    ``examples/`` is read flat (as the example tests read it); the trusted directories recursively.
    """
    examples, *others = source_directories()
    paths = [
        *sorted(examples.glob("*.graphql")),
        *(path for other in others for path in sorted(other.rglob("*.graphql"))),
    ]
    documents = (path.read_text(encoding="utf-8") for path in paths)
    return {document_hash(document): document for document in documents}


def render(manifest: Mapping[str, str]) -> str:
    """The manifest file's text: JSON sorted by hash, two-space indent, trailing newline."""
    return json.dumps(dict(manifest), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@functools.cache
def _load(path: str) -> Mapping[str, str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        logger.warning("Persisted query manifest %s is missing: no document is known by hash", path)
        return MappingProxyType({})
    loaded: dict[str, str] = json.loads(text)
    return MappingProxyType(loaded)


def manifest() -> Mapping[str, str]:
    """The manifest at ``GRAPHQL_PERSISTED_QUERIES_MANIFEST``, read once per process (empty if missing)."""
    return _load(str(settings.GRAPHQL_PERSISTED_QUERIES_MANIFEST))


def lookup(sha256: str) -> str | None:
    """The trusted document whose hash is ``sha256``, if any."""
    return manifest().get(sha256)


def is_trusted(document: str) -> bool:
    """Whether ``document`` is, byte for byte, one of the manifest's documents."""
    return document_hash(document) in manifest()


def requested_hash(params: Mapping[str, Any]) -> str | None:
    """The hash a request names its document by (lower-case hex), or None if it names none.

    ``params`` are the JSON body, or a GET's query parameters (where ``extensions`` is JSON text). Raises
    `InvalidPersistedQuery` for a malformed ``documentId`` or ``persistedQuery``, or two different hashes.
    """
    hashes: set[str] = set()
    document_id = params.get("documentId")
    if document_id is not None:
        if not isinstance(document_id, str) or not document_id.startswith("sha256:"):
            raise InvalidPersistedQuery("`documentId` must be `sha256:` followed by 64 hexadecimal digits.")
        hashes.add(_hex(document_id.removeprefix("sha256:"), "documentId"))
    extensions = params.get("extensions")
    if isinstance(extensions, str):
        try:
            extensions = json.loads(extensions)
        except ValueError:
            raise InvalidPersistedQuery("`extensions` is not valid JSON.") from None
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    if persisted is not None:
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise InvalidPersistedQuery("`extensions.persistedQuery` must have `version` 1 and a `sha256Hash`.")
        hashes.add(_hex(persisted.get("sha256Hash"), "extensions.persistedQuery.sha256Hash"))
    if len(hashes) > 1:
        raise InvalidPersistedQuery("`documentId` and `extensions.persistedQuery` name different documents.")
    return hashes.pop() if hashes else None


def _hex(value: Any, name: str) -> str:
    if not isinstance(value, str) or not _HEX.fullmatch(value.lower()):
        raise InvalidPersistedQuery(f"`{name}` must be a SHA-256 hash: 64 hexadecimal digits.")
    return value.lower()


def _forget_on_setting_change(*, setting: str, **_kwargs: Any) -> None:
    """Read the manifest again when its setting changes (``override_settings``)."""
    if setting == "GRAPHQL_PERSISTED_QUERIES_MANIFEST":
        _load.cache_clear()


setting_changed.connect(_forget_on_setting_change, dispatch_uid="api.http.persisted_queries.manifest")
