from odoo import fields, models


class CrmPrivacyRetentionDryrunLine(models.TransientModel):
    _name = "crm.privacy.retention.dryrun.line"
    _description = "Retention Dry Run Candidate"

    wizard_id = fields.Many2one("crm.privacy.retention.dryrun", ondelete="cascade")
    policy_id = fields.Many2one("crm.privacy.retention.policy")
    res_model = fields.Char(string="Model")
    res_id = fields.Integer(string="Record ID")
    res_name = fields.Char(string="Record")
    action = fields.Char()
    reason = fields.Char()
    kept = fields.Boolean()
