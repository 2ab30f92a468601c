"""18.0.1.7.0, after the update created crm_customer_analytics: one row per
customer that had any analytics figure, filled with one INSERT ... SELECT
from the columns pre-migrate.py renamed, which are then dropped with their
indexes (the space they took in res_partner is reused by later writes, or
given back by a VACUUM FULL in a maintenance window)."""

import importlib.util
import logging
import os
import time

from odoo.tools import SQL
from odoo.tools.sql import column_exists

_logger = logging.getLogger(__name__)


def _pre():
    path = os.path.join(os.path.dirname(__file__), "pre-migrate.py")
    spec = importlib.util.spec_from_file_location("crm_migration_18_0_1_7_0_pre", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def move_analytics(cr):
    """Copy the renamed columns into crm_customer_analytics (a row for each
    customer with at least one figure; an existing row is left as it is)
    and drop them. Returns the number of rows created."""
    pre = _pre()
    columns = [name for name in pre.COLUMNS if column_exists(cr, "res_partner", pre.PREFIX + name)]
    if not columns:
        return 0
    started = time.monotonic()
    old = [SQL.identifier(pre.PREFIX + name) for name in columns]
    cr.execute(
        SQL(
            """
            INSERT INTO crm_customer_analytics (partner_id, %(new)s,
                   create_uid, create_date, write_uid, write_date)
            SELECT id, %(old)s, 1, NOW() AT TIME ZONE 'UTC', 1, NOW() AT TIME ZONE 'UTC'
              FROM res_partner
             WHERE num_nonnulls(%(old)s) > 0
             ORDER BY id
            ON CONFLICT (partner_id) DO NOTHING
            """,
            new=SQL(", ").join(SQL.identifier(name) for name in columns),
            old=SQL(", ").join(old),
        )
    )
    created = cr.rowcount
    # dropping a column drops its indexes (res_partner__rfm_segment_index, ...)
    cr.execute(
        SQL(
            "ALTER TABLE res_partner %s",
            SQL(", ").join(SQL("DROP COLUMN %s", column) for column in old),
        )
    )
    cr.execute(SQL("ANALYZE crm_customer_analytics"))
    _logger.info(
        "Customer analytics moved to their own table: %s customers in %.1f s",
        created,
        time.monotonic() - started,
    )
    return created


def migrate(cr, version):
    if not version:
        return
    move_analytics(cr)
