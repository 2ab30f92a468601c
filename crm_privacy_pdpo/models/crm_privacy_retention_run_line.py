from odoo import fields, models


class CrmPrivacyRetentionRunLine(models.Model):
    _name = "crm.privacy.retention.run.line"
    _description = "Retention Run per Policy"

    run_id = fields.Many2one("crm.privacy.retention.run", required=True, ondelete="cascade")
    policy_id = fields.Many2one("crm.privacy.retention.policy", ondelete="set null")
    processed = fields.Integer()
    remaining = fields.Integer()
    held = fields.Integer(string="Kept (legal hold)")
    error = fields.Text()
