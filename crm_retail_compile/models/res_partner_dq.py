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
