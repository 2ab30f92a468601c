import logging

from odoo import _, api, fields, models

_logger = logging.getLogger(__name__)

# Records per policy and per cron call: a batch commits before the next one.
RETENTION_BATCH_SIZE = 200


class CrmPrivacyRetentionRun(models.Model):
    """One run of the retention job, with its counts per policy."""

    _name = "crm.privacy.retention.run"
    _description = "Retention Run"
    _order = "id desc"

    # every field is set by the retention job only (crm_system)
    name = fields.Char(
        default=lambda self: _("Retention run"), required=True, readonly=True, crm_system=True
    )
    date_start = fields.Datetime(
        default=fields.Datetime.now, required=True, readonly=True, crm_system=True
    )
    date_end = fields.Datetime(readonly=True, crm_system=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running",
        required=True,
        readonly=True,
        crm_system=True,
    )
    line_ids = fields.One2many(
        "crm.privacy.retention.run.line", "run_id", readonly=True, crm_system=True
    )
    processed_count = fields.Integer(compute="_compute_counts")
    remaining_count = fields.Integer(compute="_compute_counts")

    @api.depends("line_ids.processed", "line_ids.remaining")
    def _compute_counts(self):
        for run in self:
            run.processed_count = sum(run.line_ids.mapped("processed"))
            run.remaining_count = sum(run.line_ids.mapped("remaining"))

    @api.model
    def _cron_run_retention(self, batch_size=None):
        """Process one batch per policy; re-run until nothing remains.

        Idempotent and safe to interrupt: an interrupted run stays 'running'
        and is resumed by the next call; processed records are excluded from
        the candidates (anonymised flag or deleted).
        """
        batch_size = batch_size or int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("crm_privacy_pdpo.retention_batch_size", RETENTION_BATCH_SIZE)
        )
        system = self._crm_system_write()
        run = self.search([("state", "=", "running")], limit=1) or system.create({})
        run = run._crm_system_write()
        done_total, remaining_total = 0, 0
        policies = self.env["crm.privacy.retention.policy"].sudo().search([])
        for policy in policies:
            line = run.line_ids.filtered(lambda ln, p=policy: ln.policy_id == p) or (
                self.env["crm.privacy.retention.run.line"]
                ._crm_system_write()
                .create({"run_id": run.id, "policy_id": policy.id})
            )
            try:
                line = line._crm_system_write()
                records, kept = policy._get_candidates()
                batch = records[:batch_size]
                batch._crm_privacy_retention_apply(policy)
                remaining = len(records) - len(batch)
                line.write(
                    {
                        "processed": line.processed + len(batch),
                        "remaining": remaining,
                        "held": len(kept),
                    }
                )
            except Exception as error:  # one bad policy must not stop the others
                _logger.exception("Retention policy %s failed", policy.name)
                line._crm_system_write().write({"error": str(error)})
                remaining = 0
            done_total += line.processed
            remaining_total += remaining
        self.env["ir.cron"]._notify_progress(done=done_total, remaining=remaining_total)
        if not remaining_total:
            run.write({"state": "done", "date_end": fields.Datetime.now()})
        return run.with_env(self.env)
