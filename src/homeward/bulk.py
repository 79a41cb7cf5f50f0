"""Rows inserted straight into one model's table, many to a statement: the bulk path of the loads
and imports (children.services.children_write, episodes.services.batch, synth.loader)."""

import datetime

from django.db import connection
from django.utils import timezone

BATCH = 2000  # rows to an INSERT statement on SQLite


class BulkRows:
    """Rows inserted straight into one model's table, many to a statement: the load's bulk path.

    bulk_create builds a model instance and compiles every value of it (several microseconds a
    value): at two million timeline entries that alone took minutes. Here each row is a tuple, values
    are adapted as the model's fields adapt them, and auto_now fields take the time of the load.
    Callers give values by attribute name (child_id, not child); fields not given take their default.
    """

    _REQUIRED = object()

    def __init__(self, model) -> None:
        self.model = model
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        self.names = [f.attname for f in fields]
        table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        now = timezone.now()
        self.adapters, self.defaults = [], []
        for f in fields:
            adapt = self._adapter(f)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                default = now
            else:
                default = f.get_default()  # "" for text fields without a default
                if default is None and not f.null:
                    default = self._REQUIRED
            self.adapters.append(adapt)
            self.defaults.append(
                default if default is self._REQUIRED or adapt is None or default is None else adapt(default)
            )
        self.rows: list[tuple] = []
        self.count = 0

    @staticmethod
    def _adapter(f):
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            if connection.vendor == "sqlite":
                # As the SQLite backend stores them: naive UTC text (operations.adapt_datetimefield_value).
                return lambda value: None if value is None else str(value.astimezone(datetime.UTC).replace(tzinfo=None))
            return None  # psycopg takes aware datetimes as they are
        if kind == "DateField":
            return connection.ops.adapt_datefield_value
        if kind == "JSONField":
            ops, encoder = connection.ops, f.encoder
            return lambda value: ops.adapt_json_value(value, encoder)
        if kind == "DecimalField":
            return lambda value: f.get_db_prep_save(value, connection)
        return None

    def add(self, **values) -> None:
        row = []
        for name, adapt, default in zip(self.names, self.adapters, self.defaults, strict=True):
            if name in values:
                value = values[name]
                row.append(value if adapt is None or value is None else adapt(value))
            elif default is self._REQUIRED:
                raise TypeError(f"{self.model.__name__}.{name} is required")
            else:
                row.append(default)
        self.rows.append(tuple(row))

    def flush(self) -> int:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY: PostgreSQL's own bulk path, several times faster than many INSERTs.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                for start in range(0, len(self.rows), BATCH):
                    cursor.executemany(self.sql, self.rows[start : start + BATCH])
        done, self.rows = len(self.rows), []
        self.count += done
        return done
