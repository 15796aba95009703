"""Statements made once from the models' metadata, for the few reads that run on every hold or signed-in request.

The ORM compiles a queryset anew every time it runs it: about 0.35 ms of CPU per statement, where sending the
statement and reading its row take about 0.1 ms (measured in-process on PostgreSQL, issue 12). For a row read by
primary key, the hot path of every reservation (its slot's and its client's row locks) and of every bearer token
(its user), that compilation is most of the cost. `Columns` reads a model's concrete columns into an instance
exactly as the ORM does (the same converters, ``Model.from_db``), so that the instance is indistinguishable from a
queryset's; `select_by_pk` is ``Model.objects.filter(pk=pk).first()`` (with ``select_for_update()`` if asked) as
one statement built once per model and database. tests/reservation/test_prepared_statements.py compares both
with the ORM's, on SQLite and on PostgreSQL.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar, cast

from django.db import connections, router
from django.db.models import Field, Model
from django.db.models.expressions import Col
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, Any], Any]


def column_of(field: Field[Any, Any]) -> str:
    """The database column of a concrete ``field`` (Django types it optional: a field without one has none)."""
    if field.column is None:
        raise ValueError(f"{field} has no column")
    return field.column


@dataclass(frozen=True)
class Columns:
    """A model's concrete columns as selected from table alias ``table``, and how to read them into an instance."""

    model: type[Model]
    table: str
    attnames: tuple[str, ...]
    converters: tuple[tuple[int, Col, tuple[Converter, ...]], ...]
    """(position, column expression, converters) of each column whose values the ORM converts on this database
    (SQLite's datetimes and booleans, for instance; PostgreSQL's need none)."""
    pk_position: int
    sql: str
    """The select list: ``table."column", ...`` in field order."""

    @classmethod
    def of(cls, model: type[Model], alias: str, table: str) -> "Columns":
        """``model``'s columns on database ``alias``, selected from the table aliased ``table``."""
        connection = connections[alias]
        quote = connection.ops.quote_name
        fields = list(model._meta.concrete_fields)
        converters = []
        for position, field in enumerate(fields):
            col = field.get_col(model._meta.db_table)
            found = tuple(connection.ops.get_db_converters(col) + col.get_db_converters(connection))
            if found:
                converters.append((position, col, found))
        return cls(
            model=model,
            table=table,
            attnames=tuple(field.attname for field in fields),
            converters=tuple(converters),
            pk_position=fields.index(model._meta.pk),
            sql=", ".join(f"{table}.{quote(column_of(field))}" for field in fields),
        )

    def instance(self, alias: str, row: Sequence[Any], start: int = 0) -> Model | None:
        """The instance of this model in ``row`` from position ``start``, read from database ``alias``; None where
        its primary key is NULL (a LEFT JOIN that found no row)."""
        values = list(row[start : start + len(self.attnames)])
        if values[self.pk_position] is None:
            return None
        connection = connections[alias]
        for position, col, converters in self.converters:
            for converter in converters:
                values[position] = converter(values[position], col, connection)
        return self.model.from_db(alias, list(self.attnames), values)


@dataclass(frozen=True)
class _ByPk:
    sql: str
    columns: Columns


@cache
def _by_pk(model: type[Model], alias: str, for_update: bool) -> _ByPk:
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns = Columns.of(model, alias, quote(model._meta.db_table))
    lock = " FOR UPDATE" if for_update and connection.features.has_select_for_update else ""
    where = f"{columns.table}.{quote(column_of(model._meta.pk))} = %s"
    sql = f"SELECT {columns.sql} FROM {columns.table} WHERE {where}{lock}"  # noqa: S608 - names from _meta
    return _ByPk(sql, columns)


def select_by_pk(model: type[M], pk: object, *, for_update: bool = False) -> M | None:
    """The ``model`` row with primary key ``pk``, or None: ``model.objects.filter(pk=pk).first()``, and with
    ``for_update`` locked as ``select_for_update()`` locks it (where the database has row locks; SQLite has none).

    Reads where the router sends the ORM's query: writes' database with ``for_update``, reads' otherwise. Raises
    `TransactionManagementError` for a lock outside a transaction where there are row locks (Django's rule: the
    lock would end at once), ``ValueError``/``TypeError`` for a ``pk`` the primary key field cannot take, as the
    ORM does.
    """
    alias = router.db_for_write(model) if for_update else router.db_for_read(model)
    connection = connections[alias]
    if for_update and connection.features.has_select_for_update and connection.get_autocommit():
        raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    statement = _by_pk(model, alias, for_update)
    value = model._meta.pk.get_db_prep_value(pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [value])
        row = cursor.fetchone()
    if row is None:
        return None
    return cast(M, statement.columns.instance(alias, row))  # the WHERE clause rules out a NULL primary key
