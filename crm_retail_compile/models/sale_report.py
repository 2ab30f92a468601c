from odoo import fields, models


class SaleReport(models.Model):
    _inherit = "sale.report"

    # The branch rule of the sales analysis (security XML): the order's branch
    retail_branch_id = fields.Many2one("crm.retail.branch", string="Branch", readonly=True)

    def _select_additional_fields(self):
        res = super()._select_additional_fields()
        res["retail_branch_id"] = "s.retail_branch_id"
        return res

    def _group_by_sale(self):
        return f"{super()._group_by_sale()},\n            s.retail_branch_id"
