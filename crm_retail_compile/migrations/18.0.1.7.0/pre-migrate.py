"""18.0.1.7.0 moves the customer analytics off res_partner into their own
table, crm_customer_analytics (issue 19). Before the module is updated, the
old columns are renamed (``crm_old_<name>``: a catalogue change, instant on
a million customers) so that nothing of the update reads or rewrites them;
their indexes follow them. post-migrate.py fills the new table from them
and drops them."""

from odoo.tools import SQL
from odoo.tools.sql import column_exists

# the columns the analytics had on res_partner up to 18.0.1.6.0
COLUMNS = (
    "rfm_last_purchase_date",
    "rfm_frequency",
    "rfm_monetary",
    "rfm_r_score",
    "rfm_f_score",
    "rfm_m_score",
    "rfm_score",
    "rfm_segment",
    "age_band",
    "forecast_purchases",
    "forecast_spend",
    "forecast_p_alive",
    "forecast_clv",
    "forecast_date",
)
PREFIX = "crm_old_"


def rename_columns(cr):
    """Rename the old analytics columns still on res_partner; returns how
    many were renamed (none on a fresh install or a second run)."""
    renamed = 0
    for name in COLUMNS:
        if column_exists(cr, "res_partner", name) and not column_exists(
            cr, "res_partner", PREFIX + name
        ):
            cr.execute(
                SQL(
                    "ALTER TABLE res_partner RENAME COLUMN %s TO %s",
                    SQL.identifier(name),
                    SQL.identifier(PREFIX + name),
                )
            )
            renamed += 1
    return renamed


def migrate(cr, version):
    if not version:
        return
    rename_columns(cr)
