"""The data-quality scan of one customer import: the customer rules of the
scan, run over the customers the import wrote and nobody else.

A scan runs with the context key ``crm_dq_import_id``: each customer rule's
own query (``crm.dq.rule``, see crm_customer_import_dq_rule.py) is restricted
to the import's customers, and the reconciliation leaves the issues of every
other customer as they are. The rules are defined once, in crm.dq.rule."""

from odoo import fields, models
from odoo.tools import SQL

SCOPE_KEY = "crm_dq_import_id"


class CrmDqScan(models.Model):
    _inherit = "crm.dq.scan"  # pylint: disable=consider-merging-classes-inherited

    trigger = fields.Selection(
        selection_add=[("import", "Customer Import")], ondelete={"import": "set default"}
    )

    def _crm_import_scope(self):
        return self.env.context.get(SCOPE_KEY)

    def _reconcile(self, rule):
        import_id = self._crm_import_scope()
        if not import_id or rule.res_model != "res.partner":
            return super()._reconcile(rule)
        cr = self.env.cr
        # the issues of the customers outside the import count as still seen,
        # unchanged: the reconciliation neither refreshes nor resolves them
        cr.execute(
            SQL(
                """INSERT INTO crm_dq_violation (res_id, partner_id, retail_branch_id, detail,
                                                 related_partner_id)
                   SELECT i.res_id, i.partner_id, i.retail_branch_id, i.detail,
                          i.related_partner_id
                     FROM crm_dq_issue i
                    WHERE i.rule_id = %s AND i.state IN ('open', 'ignored')
                      AND NOT EXISTS (SELECT 1 FROM crm_customer_import_partner_rel r
                                       WHERE r.import_id = %s AND r.partner_id = i.res_id)""",
                rule.id,
                import_id,
            )
        )
        last_check = rule.last_check_date
        result = super()._reconcile(rule)
        # "last checked over all the records": a scan of one import is not that
        cr.execute(
            SQL(
                "UPDATE crm_dq_rule SET last_check_date = %s WHERE id = %s",
                last_check or None,
                rule.id,
            )
        )
        rule.invalidate_recordset(["last_check_date"])
        return result

    def _write_snapshots(self):
        # the branch trend is written by the scans of all customers
        if self._crm_import_scope():
            return
        return super()._write_snapshots()
