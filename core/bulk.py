"""Rows written by the hundred thousand (a province's grades and their history): the SQL the
ORM's bulk_create would write, without a model instance per row. Multi-row INSERTs on SQLite,
one INSERT … SELECT FROM unnest(arrays) per 20,000 rows on PostgreSQL (the statement's text
stays short whatever the row count). Column types come from the model's fields; every value is
a parameter."""

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

dumps = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",", ":")).encode

PG_CHUNK = 20_000
SQLITE_PARAMS = 30_000  # under SQLite's limit of bound parameters a statement


def insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any] | dict[str, Any]],
    *,
    upsert: bool = False,
    returning: bool = False,
) -> list[int]:
    """Insert rows (tuples in `columns` order, or dicts) into `model`'s table; with `upsert`, a
    row whose first column (the primary key) exists replaces it; with `returning`, the new
    rows' ids in order."""
    if not rows:
        return []
    ops = connection.ops
    fields: list[models.Field] = []
    for column in columns:
        field = model._meta.get_field(column)
        if not isinstance(field, models.Field) or not field.column:
            raise TypeError(f"{model.__name__}.{column}: not a column")
        fields.append(field)
    names = [field.column for field in fields]
    quoted = [ops.quote_name(name) for name in names]
    json_at = [i for i, field in enumerate(fields) if isinstance(field, models.JSONField)]
    time_at = [i for i, field in enumerate(fields) if isinstance(field, models.DateTimeField)]
    prepared = []
    adapted: dict[Any, Any] = {}
    for row in rows:
        values = [row[column] for column in columns] if isinstance(row, dict) else list(row)
        for i in json_at:
            values[i] = dumps(values[i])
        for i in time_at:
            value = values[i]
            if value not in adapted:
                adapted[value] = ops.adapt_datetimefield_value(value)
            values[i] = adapted[value]
        prepared.append(values)
    table = ops.quote_name(model._meta.db_table)
    conflict = ""
    if upsert:
        conflict = f" ON CONFLICT ({quoted[0]}) DO UPDATE SET " + ", ".join(
            f"{name} = EXCLUDED.{name}" for name in quoted[1:]
        )
    tail = conflict + (f" RETURNING {ops.quote_name(model._meta.pk.column)}" if returning else "")
    ids: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            aliases = [f"c{i}" for i in range(len(columns))]
            select = ", ".join(
                f"{alias}::jsonb" if i in json_at else alias for i, alias in enumerate(aliases)
            )
            arrays = ", ".join(
                f"%s::{'text' if i in json_at else field.db_type(connection)}[]"
                for i, field in enumerate(fields)
            )
            statement = (
                f"INSERT INTO {table} ({', '.join(quoted)}) SELECT {select} "  # noqa: S608
                f"FROM unnest({arrays}) AS u({', '.join(aliases)}){tail}"
            )
            for start in range(0, len(prepared), PG_CHUNK):
                chunk = prepared[start : start + PG_CHUNK]
                cursor.execute(statement, [list(column) for column in zip(*chunk, strict=True)])
                if returning:
                    ids += [row[0] for row in cursor.fetchall()]
            return ids
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        head = f"INSERT INTO {table} ({', '.join(quoted)}) VALUES "  # noqa: S608
        per_statement = max(1, SQLITE_PARAMS // len(columns))
        for start in range(0, len(prepared), per_statement):
            chunk = prepared[start : start + per_statement]
            params = [value for row in chunk for value in row]
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, params)
            if returning:
                ids += [row[0] for row in cursor.fetchall()]
    return ids


def any_of(column: str, keys) -> tuple[str, list]:
    """SQL for "column is one of keys" (integers: primary keys) and its parameters: one array
    parameter on PostgreSQL, written as the array's text at once (the statement, and the time to
    build it, do not grow with the keys), a placeholder a key elsewhere. For hot paths that read
    rows by many keys in raw SQL instead of the ORM's `__in`, whose query building costs more
    than the query."""
    keys = [int(key) for key in keys]
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", ["{" + ",".join(map(str, keys)) + "}"]
    return f"{column} IN ({', '.join(['%s'] * len(keys))})", keys
