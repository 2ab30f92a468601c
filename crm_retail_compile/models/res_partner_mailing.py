from odoo import _, fields, models

MASS_MAILING_GROUP = "mass_mailing.group_mass_mailing_user"


class ResPartner(models.Model):
    """The campaigns a customer received and what came of them (sent,
    opened, clicked, bounced, opted out, or excluded for lack of consent)."""

    _inherit = "res.partner"

    crm_mailing_trace_count = fields.Integer(
        string="Campaigns",
        compute="_compute_crm_mailing_trace_count",
        groups=MASS_MAILING_GROUP,
    )

    def _compute_crm_mailing_trace_count(self):
        data = self.env["mailing.trace"]._read_group(
            [("crm_partner_id", "in", self.ids)], ["crm_partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in data}
        for partner in self:
            partner.crm_mailing_trace_count = counts.get(partner.id, 0)

    def action_crm_view_mailing_traces(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Campaigns Received"),
            "res_model": "mailing.trace",
            "view_mode": "list,form",
            "views": [
                (self.env.ref("crm_retail_compile.mailing_trace_view_list_customer").id, "list"),
                (False, "form"),
            ],
            "domain": [("crm_partner_id", "=", self.id)],
            "context": {"create": False, "edit": False, "delete": False},
        }
