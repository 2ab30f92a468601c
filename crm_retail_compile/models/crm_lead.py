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
        self.env["crm.sales.event"].sudo()._sync_lead_events(lead_ids=leads.ids)
        return leads

    def write(self, vals):
        res = super().write(vals)
        if SALES_EVENT_FIELDS & set(vals) and not self.env.context.get("crm_sales_event_defer"):
            self.env["crm.sales.event"].sudo()._sync_lead_events(lead_ids=self.ids)
        return res

    def action_set_lost(self, **additional_values):
        """Odoo archives first and writes the lost reason after: record the
        lost step once both are known. (A deferred step is never lost: the
        hourly job records whatever the hooks did not.)"""
        res = super(CrmLead, self.with_context(crm_sales_event_defer=True)).action_set_lost(
            **additional_values
        )
        self.env["crm.sales.event"].sudo()._sync_lead_events(lead_ids=self.ids)
        return res

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
