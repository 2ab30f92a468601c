"""18.0.1.1.0: the RFM recency and segment date are no longer stored.

Keep each customer's last purchase day (segment date minus the stored days
since the last purchase) and the day of the last refresh, then drop the two
columns the ORM leaves behind, so that the next nightly refresh finds the
scores unchanged and rewrites nothing.
"""

from odoo.tools import SQL
from odoo.tools.sql import column_exists


def migrate(cr, version):
    if not version or not column_exists(cr, "res_partner", "rfm_recency_days"):
        return
    cr.execute(
        SQL(
            """UPDATE res_partner
                  SET rfm_last_purchase_date = rfm_date - rfm_recency_days
                WHERE rfm_date IS NOT NULL AND rfm_recency_days IS NOT NULL
                  AND rfm_last_purchase_date IS NULL"""
        )
    )
    cr.execute(SQL("SELECT MAX(rfm_date)::text FROM res_partner"))
    last_refresh = cr.fetchone()[0]
    if last_refresh:
        cr.execute(
            SQL(
                """INSERT INTO ir_config_parameter (key, value, create_uid, create_date,
                                                     write_uid, write_date)
                   VALUES (%s, %s, 1, NOW() AT TIME ZONE 'UTC', 1, NOW() AT TIME ZONE 'UTC')
                   ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value""",
                "crm_retail_compile.analytics_rfm_date",
                last_refresh,
            )
        )
    cr.execute(SQL("ALTER TABLE res_partner DROP COLUMN rfm_recency_days, DROP COLUMN rfm_date"))
