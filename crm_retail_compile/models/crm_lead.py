from odoo import api, fields, models

# fields whose change can be a step of the sales cycle (qualified, won, lost)
SALES_EVENT_FIELDS = {"stage_id", "active", "probability", "type", "lost_reason_id"}


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.branch.mixin"]

    retail_branch_id = fields.Many2one(tracking=True)

    @api.model_create_multi
    def create(self, vals_list):
        self._retail_branch_from_partner(vals_list)
        leads = super().create(vals_list)
        self.env["crm.sales.event"]._defer_lead_events(leads.ids)
        return leads

    def write(self, vals):
        res = super().write(vals)
        if SALES_EVENT_FIELDS & set(vals):
            # recorded once before the commit (Odoo archives a lost lead and
            # writes its reason in two writes: the step sees both)
            self.env["crm.sales.event"]._defer_lead_events(self.ids)
        return res

    def _prepare_customer_values(self, partner_name, is_company=False, parent_id=False):
        """Customers created from a lead of a branch belong to the lead's
        branch and, for a person, are retail customers (their phone and
        e-mail are checked as retail customers' are). A lead without a
        branch (not a retail flow: B2B, Odoo's own flows) creates an
        ordinary contact, as in Odoo."""
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
