from odoo import _, fields, models

from ..models.crm_customer_analytics_winback import CONSENT_CHANNELS


class CrmAffinityCampaignWizard(models.TransientModel):
    """Customers likely to buy a category who consented to be told about it."""

    _name = "crm.affinity.campaign.wizard"
    _description = "Cross-selling Campaign Audience"

    categ_id = fields.Many2one("product.category", string="Category", required=True)
    purpose_id = fields.Many2one(
        "crm.privacy.marketing.purpose", string="Marketing Purpose", required=True
    )
    channel = fields.Selection(
        lambda self: [
            (code, label)
            for code, label in self.env["crm.privacy.consent"]
            ._fields["channel"]
            ._description_selection(self.env)
            if code in CONSENT_CHANNELS
        ],
        required=True,
        default="email",
    )

    def _get_audience(self):
        self.ensure_one()
        Partner = self.env["res.partner"]
        likely = Partner.search(
            [("is_retail_customer", "=", True), ("next_categ_ids", "in", self.categ_id.ids)]
        )
        return Partner._crm_filter_consenting(likely, self.purpose_id, self.channel)

    def action_find(self):
        audience = self._get_audience()
        return {
            "type": "ir.actions.act_window",
            "name": _(
                "Likely buyers of %(categ)s who consented (%(channel)s)",
                categ=self.categ_id.display_name,
                channel=dict(self._fields["channel"]._description_selection(self.env)).get(
                    self.channel
                ),
            ),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("id", "in", audience.ids)],
            "context": {"create": False},
        }
