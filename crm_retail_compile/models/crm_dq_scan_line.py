from odoo import fields, models


class CrmDqScanLine(models.Model):
    """One rule checked by a scan: written when the rule is done, so that an
    interrupted scan resumes with the rules it has not done yet."""

    _name = "crm.dq.scan.line"
    _description = "Data Quality Scan Rule"
    _order = "scan_id desc, sequence, id"

    scan_id = fields.Many2one("crm.dq.scan", required=True, ondelete="cascade", index=True)
    rule_id = fields.Many2one("crm.dq.rule", required=True, ondelete="cascade")
    sequence = fields.Integer()
    found_count = fields.Integer(string="Found")
    new_count = fields.Integer(string="New")
    resolved_count = fields.Integer(string="Resolved")
    activity_count = fields.Integer(string="Activities")
    duration = fields.Float(string="Duration (s)", digits=(16, 2))

    _sql_constraints = [
        ("scan_rule_uniq", "unique(scan_id, rule_id)", "A scan checks each rule once."),
    ]
