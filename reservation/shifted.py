"""`Shifted`: a datetime column moved by a fixed duration, in SQL that each database computes natively.

Django compiles ``F("start_time") + timedelta(...)`` on SQLite into a call of a Python function per row; the
visit queries do that in correlated subqueries over every candidate slot, which made them several times
slower there. SQLite's own ``datetime(value, '+N seconds')`` gives the same text Django stores for whole-second
times (slots are on the 15-minute grid); PostgreSQL adds an interval.
"""

from datetime import timedelta
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import DateTimeField, Func
from django.db.models.sql.compiler import SQLCompiler


class Shifted(Func):
    """``expression`` + ``delta`` (whole seconds), a datetime."""

    output_field = DateTimeField()

    def __init__(self, expression: Any, delta: timedelta) -> None:
        super().__init__(expression)
        self.seconds = int(delta.total_seconds())

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} + %s)", [*params, timedelta(seconds=self.seconds)]

    def as_sqlite(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"datetime({sql}, %s)", [*params, f"{self.seconds:+d} seconds"]
