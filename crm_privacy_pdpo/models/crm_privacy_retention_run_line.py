from odoo import fields, models


class CrmPrivacyRetentionRunLine(models.Model):
    _name = "crm.privacy.retention.run.line"
    _description = "Retention Run per Policy"

    # set by the retention job only (crm_system)
    run_id = fields.Many2one(
        "crm.privacy.retention.run",
        required=True,
        ondelete="cascade",
        readonly=True,
        crm_system=True,
    )
    policy_id = fields.Many2one(
        "crm.privacy.retention.policy", ondelete="set null", readonly=True, crm_system=True
    )
    processed = fields.Integer(readonly=True, crm_system=True)
    remaining = fields.Integer(readonly=True, crm_system=True)
    held = fields.Integer(string="Kept (legal hold)", readonly=True, crm_system=True)
    error = fields.Text(readonly=True, crm_system=True)
    # records whose processing failed in this run: skipped by its later calls
    failed_ids = fields.Char(readonly=True, crm_system=True)

    def _get_failed_ids(self):
        self.ensure_one()
        return [int(i) for i in (self.failed_ids or "").split(",") if i.strip().isdigit()]
