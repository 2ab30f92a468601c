from odoo import _, fields, models


class CrmPrivacyRetentionDryrun(models.TransientModel):
    """Shows what the retention job would erase, and why, without changing data."""

    _name = "crm.privacy.retention.dryrun"
    _description = "Retention Dry Run"

    policy_ids = fields.Many2many(
        "crm.privacy.retention.policy",
        string="Policies",
        help="Empty: all active policies.",
    )
    line_ids = fields.One2many("crm.privacy.retention.dryrun.line", "wizard_id", readonly=True)
    candidate_count = fields.Integer(readonly=True)
    kept_count = fields.Integer(readonly=True)

    def action_compute(self):
        self.ensure_one()
        policies = self.policy_ids or self.env["crm.privacy.retention.policy"].search([])
        lines = []
        for policy in policies:
            records, kept = policy.sudo()._get_candidates()
            action = dict(policy._fields["action"].selection)[policy.action]
            for record in records:
                lines.append(
                    {
                        "policy_id": policy.id,
                        "res_model": policy.model,
                        "res_id": record.id,
                        "res_name": record.display_name,
                        "action": action,
                        "reason": policy.reason
                        or _("No activity for %(months)s months", months=policy.months),
                    }
                )
            kept_records = self.env[policy.model].sudo().browse(list(kept))
            for record in kept_records:
                lines.append(
                    {
                        "policy_id": policy.id,
                        "res_model": policy.model,
                        "res_id": record.id,
                        "res_name": record.display_name,
                        "action": _("Kept"),
                        "reason": kept[record.id],
                        "kept": True,
                    }
                )
        self.line_ids.unlink()
        self.write(
            {
                "line_ids": [(0, 0, vals) for vals in lines],
                "candidate_count": len([vals for vals in lines if not vals.get("kept")]),
                "kept_count": len([vals for vals in lines if vals.get("kept")]),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
