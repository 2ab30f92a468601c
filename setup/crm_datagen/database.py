"""Database access of the generator: the Odoo registry and the COPY helpers.

* :func:`read_db_config`, :func:`open_registry` and :func:`orm_env` open the
  database named on the command line through Odoo (superuser environment,
  Hong Kong time zone, no tracking or mail).
* :func:`reserve_ids` takes a block of consecutive ids from a table's
  sequence, so rows can be built before they are written;
  :func:`sync_sequence` moves the sequence past them afterwards.
* :class:`TableSpec` is the COPY layout of one table: the columns the
  generator fills (a printf format each) and constant values for the others;
  :class:`CopyLoader` runs the COPY statements in a background thread while
  the next batch is built; :func:`copy_literal`, :func:`nullable`,
  :func:`day_strings` and :func:`date_strings` render values in COPY's text
  format.
* :func:`bypass_fk_triggers` skips the row-by-row foreign key triggers for
  the transaction (superuser only) and :func:`check_foreign_keys` then checks
  every foreign key of the loaded rows in one pass per table.
"""

from __future__ import annotations

import configparser
import datetime as dt
import io
import json
import queue
import threading
import time
from dataclasses import dataclass

import numpy as np

from .settings import TZ_HK

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_escape(text):
    """Escape a string for PostgreSQL's COPY text format."""
    return text.translate(_COPY_ESCAPES)


def copy_literal(value):
    """Render a Python value as a field of PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dict, list)):
        return copy_escape(json.dumps(value, ensure_ascii=False))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return "\\\\x" + bytes(value).hex()
    if isinstance(value, float):
        return repr(value)
    return copy_escape(str(value))


def nullable(values, mask):
    """COPY fields of ``values`` (strings) with NULL where ``mask`` is false."""
    return [v if m else "\\N" for v, m in zip(values, mask, strict=True)]


def nullable_ints(values, mask):
    return [str(v) if m else "\\N" for v, m in zip(values.tolist(), mask.tolist(), strict=True)]


def day_strings(days):
    """'YYYY-MM-DD' strings of days since 1970-01-01."""
    return np.datetime_as_string(np.asarray(days, dtype="datetime64[D]"), unit="D").tolist()


def date_strings(seconds):
    """'YYYY-MM-DD HH:MM:SS' strings of UTC epoch seconds."""
    text = np.datetime_as_string(np.asarray(seconds, dtype="datetime64[s]"), unit="s")
    return np.char.replace(text, "T", " ").tolist()


def read_db_config(path):
    """Connection options of the rendered Odoo configuration file."""
    parser = configparser.ConfigParser(interpolation=None)
    if not parser.read(path):
        raise SystemExit(f"Cannot read the configuration file {path} (run render_conf first).")
    options = parser["options"] if parser.has_section("options") else {}
    return {key: options.get(key) for key in ("db_host", "db_port", "db_user", "db_password")}


def open_registry(config_path, db_name):
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", config_path, "--log-level=warn"])
    return odoo.modules.registry.Registry(db_name)


def orm_env(cr):
    import odoo

    return odoo.api.Environment(
        cr,
        odoo.SUPERUSER_ID,
        {
            "tracking_disable": True,
            "mail_create_nolog": True,
            "mail_create_nosubscribe": True,
            "no_reset_password": True,
            "lang": "en_US",
            "tz": TZ_HK,
        },
    )


def quote_ident(cr, name):
    from psycopg2 import sql

    return sql.Identifier(name).as_string(cr.connection)


def table_columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def reserve_ids(cr, table, count):
    """Reserve ``count`` consecutive ids of ``table`` from its id sequence."""
    cr.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cr.fetchone()[0]
    cr.execute(f"SELECT coalesce(max(id), 0) FROM {quote_ident(cr, table)}")
    max_id = cr.fetchone()[0]
    cr.execute("SELECT nextval(%s::regclass)", [sequence])
    first = max(cr.fetchone()[0], max_id + 1)
    if count:
        cr.execute("SELECT setval(%s::regclass, %s)", [sequence, first + count - 1])
    return first


def sync_sequence(cr, table):
    """Move the id sequence of ``table`` past its highest id."""
    cr.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cr.fetchone()[0]
    cr.execute(
        f"SELECT setval(%s::regclass, greatest((SELECT coalesce(max(id), 1)"
        f" FROM {quote_ident(cr, table)}), coalesce(pg_sequence_last_value(%s::regclass), 1)))",
        [sequence, sequence],
    )


@dataclass
class TableSpec:
    """COPY layout of a table: the columns the generator sets (in order, with a
    printf format each) and constant values for all the other columns."""

    table: str
    variable: list
    constants: dict
    statement: str = ""
    row_format: str = ""

    def prepare(self, cr):
        # NULL constants of columns without a default are left out of the COPY
        cr.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND table_name = %s AND column_default IS NULL",
            [self.table],
        )
        no_default = {row[0] for row in cr.fetchall()}
        constants = {
            column: value
            for column, value in self.constants.items()
            if value is not None or column not in no_default
        }
        columns = [name for name, _fmt in self.variable] + list(constants)
        idents = ", ".join(quote_ident(cr, c) for c in columns)
        self.statement = f"COPY {quote_ident(cr, self.table)} ({idents}) FROM STDIN"
        fields_ = [fmt for _name, fmt in self.variable]
        fields_ += [copy_literal(v).replace("%", "%%") for v in constants.values()]
        self.row_format = "\t".join(fields_) + "\n"
        return self

    def render(self, columns):
        fmt = self.row_format
        return "".join([fmt % row for row in zip(*columns, strict=True)]).encode()


def bypass_fk_triggers(cr):
    """Skip the row-by-row foreign key triggers for this transaction.

    ``session_replication_role = replica`` (transaction-local, superuser
    only) turns off the triggers that check foreign keys one row at a
    time, which take most of the load time; :func:`check_foreign_keys`
    then checks every foreign key of the loaded rows in one pass per table.
    Returns False (triggers stay on) when the role cannot be changed.
    """
    savepoint = cr.savepoint(flush=False)
    try:
        cr.execute("SET LOCAL session_replication_role = replica", log_exceptions=False)
    except Exception:  # noqa: BLE001 - InsufficientPrivilege: keep the triggers
        savepoint.close(rollback=True)
        print("Not a superuser: foreign keys are checked row by row (slower).")
        return False
    savepoint.close(rollback=False)
    return True


def foreign_keys(cr, table):
    """(column, referenced table, referenced column) of the single-column
    foreign keys of ``table``."""
    cr.execute(
        """SELECT a.attname, cl.relname, pa.attname
             FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]
             JOIN pg_class cl ON cl.oid = c.confrelid
            WHERE c.contype = 'f' AND c.conrelid = %s::regclass
              AND array_length(c.conkey, 1) = 1
            ORDER BY 1""",
        [table],
    )
    return cr.fetchall()


def check_foreign_keys(cr, spec, key_column, first_key):
    """Check the foreign keys of the rows of ``spec.table`` whose ``key_column``
    is at least ``first_key``: constant columns once, the generated ones in a
    single scan with hashed look-ups.  Raises if a reference is dangling."""
    q = quote_ident
    variable = {name for name, _fmt in spec.variable}
    probes, problems = [], []
    for column, parent, parent_column in foreign_keys(cr, spec.table):
        if column in variable:
            probes.append(
                f"{q(cr, column)} NOT IN (SELECT {q(cr, parent_column)} FROM {q(cr, parent)})"
            )
        elif spec.constants.get(column) is not None:
            cr.execute(
                f"SELECT count(*) FROM {q(cr, parent)} WHERE {q(cr, parent_column)} = %s",
                [spec.constants[column]],
            )
            if not cr.fetchone()[0]:
                problems.append(f"{column} = {spec.constants[column]} not in {parent}")
    if probes:
        cr.execute("SET LOCAL work_mem = '1GB'")
        cr.execute(
            f"SELECT count(*) FROM {q(cr, spec.table)} WHERE {q(cr, key_column)} >= %s"
            f" AND ({' OR '.join(probes)})",
            [first_key],
        )
        dangling = cr.fetchone()[0]
        cr.execute("RESET work_mem")
        if dangling:
            problems.append(f"{dangling} rows with a dangling reference")
    if problems:
        raise RuntimeError(f"Foreign key check of {spec.table} failed: {'; '.join(problems)}")


class CopyLoader:
    """Run COPY statements in a background thread while the next batch is built."""

    def __init__(self, cr, depth=2):
        self.cr = cr
        self.queue = queue.Queue(maxsize=depth)
        self.error = None
        self.counts = {}
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self._work, name="copy-loader", daemon=True)
        self.thread.start()

    def _work(self):
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is not None:
                continue
            spec, payload, rows = item
            try:
                self.cr.copy_expert(spec.statement, io.BytesIO(payload), size=1 << 20)
            except Exception as exc:  # noqa: BLE001 - reported by submit()/close()
                self.error = exc
                continue
            total = self.counts[spec.table] = self.counts.get(spec.table, 0) + rows
            print(
                f"  {spec.table:<34} +{rows:>9,} rows  total {total:>11,}"
                f"  [{time.monotonic() - self.started:7.1f}s]",
                flush=True,
            )

    def submit(self, spec, columns):
        if self.error is not None:
            raise self.error
        rows = len(columns[0]) if columns else 0
        if rows:
            self.queue.put((spec, spec.render(columns), rows))

    def close(self):
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error
