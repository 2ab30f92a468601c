from odoo import api, models
from odoo.tools import SQL


# Retention's view of sales activity lives with the other retention code
# (one file per feature, like res_partner_dq.py and res_partner_analytics.py).
class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _crm_retention_recent_activity_ids(self, partner_ids, cutoff):
        """Customers who bought or were invoiced since ``cutoff`` are active:
        retention never erases them."""
        recent = super()._crm_retention_recent_activity_ids(partner_ids, cutoff)
        if not partner_ids:
            return recent
        rows = self.env.execute_query(
            SQL(
                """
                SELECT partner_id FROM sale_order
                 WHERE partner_id = ANY(%(ids)s) AND write_date >= %(cutoff)s
                 UNION
                SELECT commercial_partner_id FROM account_move
                 WHERE commercial_partner_id = ANY(%(ids)s) AND write_date >= %(cutoff)s
                """,
                ids=list(partner_ids),
                cutoff=cutoff,
            )
        )
        return recent | {row[0] for row in rows}
