from odoo import fields, models


class CrmDqSnapshot(models.Model):
    """Data quality of a branch at the end of a scan: the trend over time."""

    _name = "crm.dq.snapshot"
    _inherit = ["crm.branch.mixin"]
    _description = "Data Quality Snapshot"
    _order = "date desc, retail_branch_id"
    _rec_name = "date"

    scan_id = fields.Many2one("crm.dq.scan", ondelete="cascade", index=True, readonly=True)
    date = fields.Date(required=True, index=True, readonly=True)
    retail_branch_id = fields.Many2one(readonly=True)
    customer_count = fields.Integer(string="Customers", readonly=True, aggregator="sum")
    avg_score = fields.Float(
        string="Average Score", digits=(16, 1), readonly=True, aggregator="avg"
    )
    open_low = fields.Integer(string="Open (Low)", readonly=True)
    open_medium = fields.Integer(string="Open (Medium)", readonly=True)
    open_high = fields.Integer(string="Open (High)", readonly=True)
    open_critical = fields.Integer(string="Open (Critical)", readonly=True)
    open_total = fields.Integer(string="Open Issues", readonly=True)
