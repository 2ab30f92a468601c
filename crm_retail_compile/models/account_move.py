from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        self._sync_sales_events(posted)
        return posted

    def _sync_sales_events(self, moves):
        """Invoices, refunds and payments of customers are cycle steps."""
        customer_moves = moves.filtered(lambda m: m.move_type in ("out_invoice", "out_refund"))
        if customer_moves:
            self.env["crm.sales.event"].sudo()._sync_invoice_events(move_ids=customer_moves.ids)
