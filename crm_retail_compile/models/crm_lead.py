from odoo import api, fields, models


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.branch.mixin"]

    retail_branch_id = fields.Many2one(tracking=True)

    @api.model_create_multi
    def create(self, vals_list):
        self._retail_branch_from_partner(vals_list)
        return super().create(vals_list)

    def _prepare_customer_values(self, partner_name, is_company=False, parent_id=False):
        """Customers created from a lead belong to the lead's branch."""
        values = super()._prepare_customer_values(partner_name, is_company, parent_id)
        if self.retail_branch_id:
            values["retail_branch_id"] = self.retail_branch_id.id
        if not is_company:
            values["is_retail_customer"] = True
        return values

    def _prepare_opportunity_quotation_context(self):
        context = super()._prepare_opportunity_quotation_context()
        if self.retail_branch_id:
            context["default_retail_branch_id"] = self.retail_branch_id.id
        return context
