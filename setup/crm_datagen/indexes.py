"""Index deferral and statistics for large loads.

With ``--defer-indexes`` (auto from 1,000,000 lines or 200,000 customers),
:func:`drop_secondary_indexes` drops the non-unique indexes of res_partner,
sale_order and sale_order_line inside the load transaction, keeping their
definitions, and :func:`restore_indexes` recreates them before the commit:
building an index once is several times faster than inserting millions of
rows into it.  A failure rolls the drop back with everything else.
:func:`analyze` runs ANALYZE (VACUUM ANALYZE where rows were updated) on the
loaded tables after the commit.
"""

from __future__ import annotations

import time

from .database import quote_ident
from .settings import COPY_TABLES

BULK_TABLES = ("res_partner", "sale_order", "sale_order_line")


def drop_secondary_indexes(cr, tables=BULK_TABLES):
    """Drop the non-unique indexes of ``tables`` for this transaction only.

    Inserting millions of rows into random-order indexes is slow; building
    them once at the end is several times faster.  The definitions are kept
    (``pg_get_indexdef``) and :func:`restore_indexes` recreates them before
    the commit; a failure rolls the drop back with everything else.  The
    tables stay locked until the commit, so use this on a database nobody
    else is using.
    """
    cr.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
             FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
              AND NOT i.indisprimary AND NOT i.indisunique
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY t.relname, 1""",
        [list(tables)],
    )
    definitions = cr.fetchall()
    savepoint = cr.savepoint(flush=False)
    try:
        cr.execute("SET LOCAL lock_timeout = '10s'")
        for name, _definition in definitions:
            # regclass text output: schema-qualified and quoted when needed
            cr.execute(f"DROP INDEX {name}", log_exceptions=False)
    except Exception as exc:  # noqa: BLE001 - tables in use or not owned: keep the indexes
        savepoint.close(rollback=True)
        print(f"Indexes kept ({str(exc).strip()}): the load will be slower.")
        return []
    savepoint.close(rollback=False)
    cr.execute("SET LOCAL lock_timeout = 0")
    print(f"{len(definitions)} secondary indexes of {', '.join(tables)} deferred.")
    return definitions


def restore_indexes(cr, definitions):
    """Recreate the indexes dropped by :func:`drop_secondary_indexes`."""
    started = time.monotonic()
    cr.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for _name, definition in definitions:
        cr.execute(definition)
    cr.execute("RESET maintenance_work_mem")
    print(f"{len(definitions)} indexes rebuilt in {time.monotonic() - started:.1f}s.", flush=True)


def analyze(registry, vacuum=()):
    """ANALYZE the loaded tables; VACUUM those whose new rows were updated
    (recomputed fields) to clear the dead row versions right away."""
    started = time.monotonic()
    with registry.cursor() as cr:
        connection = cr.connection
        connection.autocommit = True  # VACUUM cannot run in a transaction
        try:
            for table in (*COPY_TABLES, "res_partner_preferred_categ_rel"):
                command = "VACUUM ANALYZE" if table in vacuum else "ANALYZE"
                cr.execute(f"{command} {quote_ident(cr, table)}")
        finally:
            connection.autocommit = False
    print(f"Tables analyzed in {time.monotonic() - started:.1f}s.", flush=True)
