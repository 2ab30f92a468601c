from odoo import api, fields, models


class PosOrder(models.Model):
    _inherit = "pos.order"

    # The branch rule of POS orders (security XML): the branch of the till
    retail_branch_id = fields.Many2one(
        related="config_id.retail_branch_id", store=True, index=True, string="Branch"
    )

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        self.env["crm.sales.event"]._defer_pos_events(
            orders.filtered(lambda o: o.state != "draft").ids
        )
        return orders

    def _process_saved_order(self, draft):
        Event = self.env["crm.sales.event"]
        Event._hold_pos_events(1)
        try:
            return super()._process_saved_order(draft)
        finally:
            Event._hold_pos_events(-1)

    def write(self, vals):
        res = super().write(vals)
        if "state" in vals or "account_move" in vals:
            # paid, invoiced, posted at the session's closing: steps of the
            # sales cycle, recorded once before the commit
            self.env["crm.sales.event"]._defer_pos_events(self.ids)
        return res
