"""Uninstall hooks of the Retail CRM suite (shared by its three add-ons).

Odoo uninstalls a module by deleting its data records one by one through the
ORM, then its fields, then its tables. The suite's records refer to each other
with ``ondelete='restrict'`` (a consent keeps its marketing purpose, a partner
its district) and some of them refuse ``unlink`` (consents are a legal record):
Odoo's deletions then fail, are logged as SQL errors and leave rows it later
tries to read from already-dropped tables. Before Odoo starts, each add-on's
hook therefore empties the tables of the models it defines, in one step and
without cascading into Odoo's tables: the foreign keys pointing at them (all
of them belong to the add-ons being removed, Odoo drops them anyway) are
dropped, the rows and their external ids deleted. What the add-on created in
``init()`` outside of Odoo's bookkeeping (SQL functions, indexes on Odoo's
tables) is dropped by name.
"""

import logging

from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def _own_tables(env, module):
    """{model name: table} of the ordinary tables of the models ``module`` defines."""
    tables = {}
    for name, model in env.registry.items():
        if model._original_module != module or model._abstract or not model._auto:
            continue
        tables[name] = model._table
    if not tables:
        return {}
    rows = env.execute_query(
        SQL(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname = ANY(%s)",
            list(tables.values()),
        )
    )
    existing = {row[0] for row in rows}
    return {name: table for name, table in tables.items() if table in existing}


def empty_module_tables(env, module):
    """Delete every row of the tables of the models ``module`` defines, with
    the external ids of those rows, without touching other tables."""
    tables = _own_tables(env, module)
    if not tables:
        return
    env.flush_all()
    constraints = env.execute_query(
        SQL(
            """
            SELECT src.relname, con.conname
              FROM pg_constraint con
              JOIN pg_class src ON src.oid = con.conrelid
              JOIN pg_class dst ON dst.oid = con.confrelid
             WHERE con.contype = 'f' AND dst.relname = ANY(%s)
            """,
            list(tables.values()),
        )
    )
    for table, constraint in constraints:
        env.cr.execute(
            SQL(
                "ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s",
                SQL.identifier(table),
                SQL.identifier(constraint),
            )
        )
    for table in tables.values():
        env.cr.execute(SQL("DELETE FROM %s", SQL.identifier(table)))
    env.cr.execute(SQL("DELETE FROM ir_model_data WHERE model = ANY(%s)", list(tables)))
    env.invalidate_all()
    _logger.info("%s: emptied %s tables before uninstalling", module, len(tables))


def drop_indexes(env, indexes=(), patterns=()):
    """Drop the indexes created in ``init()`` on Odoo's tables (``patterns`` are
    LIKE patterns of index names)."""
    names = list(indexes)
    if patterns:
        rows = env.execute_query(
            SQL(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                "AND indexname LIKE ANY(%s)",
                list(patterns),
            )
        )
        names += [row[0] for row in rows]
    for name in names:
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))


def uninstall_hook(env):
    empty_module_tables(env, "crm_privacy_pdpo")
