"""`manage.py build_persisted_queries`: write the trusted documents' manifest, api/http/persisted_queries.json.

The manifest maps the SHA-256 hex digest of each document's text to the text, for every ``examples/*.graphql``
and every ``*.graphql`` under ``GRAPHQL_TRUSTED_DOCUMENTS_DIRS`` (see `api.http.persisted_queries`). Run it after
changing an example (or a front end's operations) and commit the result; ``--check`` only reports whether the
file is up to date (exit status 1 if not), for CI.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.http.persisted_queries import build_manifest, render


class Command(BaseCommand):
    help = "Write api/http/persisted_queries.json, the trusted documents by SHA-256 hash, from examples/*.graphql."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Fail if the file is not up to date; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.GRAPHQL_PERSISTED_QUERIES_MANIFEST)
        manifest = build_manifest()
        text = render(manifest)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if options["check"]:
            if current != text:
                raise CommandError(f"{path} is out of date: run `python manage.py build_persisted_queries`.")
            self.stdout.write(f"{path} is up to date ({len(manifest)} documents).")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {len(manifest)} documents to {path}.")
