from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    retail_branch_id = fields.Many2one(
        related="move_id.retail_branch_id", store=True, index=True, string="Branch"
    )

    def reconcile(self):
        res = super().reconcile()
        # a reconciliation can make an invoice paid: record the payment step
        self.env["account.move"]._sync_sales_events(self.move_id)
        return res
