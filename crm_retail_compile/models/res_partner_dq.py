from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    dq_score = fields.Integer(
        string="Data Quality Score",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="100 minus the weighted open data-quality issues of the customer "
        "(updated by each data-quality scan).",
    )
    dq_issue_ids = fields.One2many("crm.dq.issue", "partner_id", string="Data Quality Issues")
    dq_request_ids = fields.One2many("crm.dq.request", "partner_id", string="Data Requests")
    dq_request_count = fields.Integer(
        string="Data Request Count", compute="_compute_dq_request_count"
    )

    def _compute_dq_request_count(self):
        if not self.env["crm.dq.request"].has_access("read"):
            self.dq_request_count = 0
            return
        counts = dict(
            self.env["crm.dq.request"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.dq_request_count = counts.get(partner._origin, 0)

    def action_ask_customer(self):
        """Ask the selected customers to supplement their data (one
        crm.dq.request each, for their open issues they can fix)."""
        Request = self.env["crm.dq.request"]
        requests, skipped = Request._ask_customers(self)
        return Request._notify_result(requests, skipped)

    def action_view_dq_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_retail_compile.crm_dq_request_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
