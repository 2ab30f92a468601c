from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def reconcile(self):
        res = super().reconcile()
        # a reconciliation can make an invoice paid: record the payment step
        self.env["account.move"]._sync_sales_events(self.move_id)
        return res
