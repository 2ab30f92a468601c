from odoo import api, models

from .crm_branch_mixin import computed_branch_field


class AccountMove(models.Model):
    _inherit = "account.move"

    # The branch rule of invoices (security XML): the branch of the orders
    # invoiced, else the customer's home branch.
    retail_branch_id = computed_branch_field()

    @api.depends(
        "line_ids.sale_line_ids.order_id.retail_branch_id",
        "commercial_partner_id.retail_branch_id",
    )
    def _compute_retail_branch_id(self):
        for move in self:
            move.retail_branch_id = (
                move.line_ids.sale_line_ids.order_id.retail_branch_id[:1]
                or move.commercial_partner_id.retail_branch_id
            )

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        self._sync_sales_events(posted)
        return posted

    def _sync_sales_events(self, moves):
        """Invoices, refunds and payments of customers are cycle steps."""
        customer_moves = moves.filtered(lambda m: m.move_type in ("out_invoice", "out_refund"))
        if customer_moves:
            self.env["crm.sales.event"].sudo()._sync_invoice_events(move_ids=customer_moves.ids)
