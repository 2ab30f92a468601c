"""Customer rules restricted to the customers of one import (the context key
``crm_dq_import_id``, see crm_customer_import_dq_scan.py): each rule's own
query, filtered, so that the rules stay defined once."""

from odoo import models
from odoo.tools import SQL

SCOPE_KEY = "crm_dq_import_id"


class CrmDqRule(models.Model):
    _inherit = "crm.dq.rule"  # pylint: disable=consider-merging-classes-inherited

    def _crm_import_scope(self):
        if self.res_model != "res.partner":
            return None
        return self.env.context.get(SCOPE_KEY)

    def _violation_query(self):
        query = super()._violation_query()
        import_id = self._crm_import_scope()
        if not import_id:
            return query
        return SQL(
            """SELECT v.* FROM (%s) AS v(res_id, partner_id, retail_branch_id, detail,
                                         related_partner_id)
                WHERE v.res_id IN (SELECT r.partner_id FROM crm_customer_import_partner_rel r
                                    WHERE r.import_id = %s)""",
            query,
            import_id,
        )

    def _customer_scope(self):
        import_id = self._crm_import_scope()
        if not import_id:
            return super()._customer_scope()
        return SQL(
            "p.id IN (SELECT r.partner_id FROM crm_customer_import_partner_rel r "
            "WHERE r.import_id = %s)",
            import_id,
        )
