from odoo import fields, models

from .crm_team import SALES_CHANNELS


class SaleReport(models.Model):
    _inherit = "sale.report"

    # The branch rule of the sales analysis (security XML): the order's branch
    retail_branch_id = fields.Many2one("crm.retail.branch", string="Branch", readonly=True)
    # where the sale was made: the order's channel, in store for the POS
    crm_sales_channel = fields.Selection(SALES_CHANNELS, string="Sales Channel", readonly=True)

    def _select_additional_fields(self):
        res = super()._select_additional_fields()
        res["retail_branch_id"] = "s.retail_branch_id"
        res["crm_sales_channel"] = "s.crm_sales_channel"
        return res

    def _group_by_sale(self):
        return f"{super()._group_by_sale()},\n            s.retail_branch_id, s.crm_sales_channel"

    # The POS part of the analysis (pos_sale): a POS line is its till's
    # branch's (without it the line had no branch, and the branch rule let
    # every branch see it) and a sale in store
    def _available_additional_pos_fields(self):
        res = super()._available_additional_pos_fields()
        res["retail_branch_id"] = "pos.retail_branch_id"
        res["crm_sales_channel"] = "'store'"
        return res

    def _group_by_pos(self):
        return f"{super()._group_by_pos()},\n            pos.retail_branch_id"
