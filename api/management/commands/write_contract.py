"""`manage.py write_contract`: write schema.graphql (the SDL) and docs/api.md (the API reference) from the schema.

Run it after changing the schema (a type, a field, an argument or a description) and commit the result;
``--check`` only reports whether both files are up to date (exit status 1 if not). See `api.contract`.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.contract import REGENERATE, ROOT, contract_files


class Command(BaseCommand):
    help = "Write schema.graphql and docs/api.md from the GraphQL schema (--check: fail if they are stale)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Fail if a file is not up to date; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        stale = []
        for path, text in contract_files().items():
            current = path.read_text(encoding="utf-8") if path.exists() else None
            name = path.relative_to(ROOT)
            if current == text:
                self.stdout.write(f"{name} is up to date.")
            elif options["check"]:
                stale.append(str(name))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                self.stdout.write(f"Wrote {name}.")
        if stale:
            raise CommandError(f"{', '.join(stale)} out of date: run `{REGENERATE}` and commit the result.")
