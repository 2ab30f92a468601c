from odoo import api, fields, models


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "crm.branch.mixin"]

    retail_branch_id = fields.Many2one(tracking=True)

    @api.model_create_multi
    def create(self, vals_list):
        self._retail_branch_from_partner(vals_list)
        return super().create(vals_list)
