from odoo import fields, models


class PosPayment(models.Model):
    _inherit = "pos.payment"

    # The branch rule of payments (security XML): the branch of the order
    retail_branch_id = fields.Many2one(
        related="pos_order_id.retail_branch_id", store=True, index=True, string="Branch"
    )
