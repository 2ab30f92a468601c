import logging

from odoo import _, api, fields, models

_logger = logging.getLogger(__name__)

# Records per policy and per job: a batch commits before the next one.
RETENTION_BATCH_SIZE = 200
# queue_job channel of the retention batches (data/queue_job_data.xml)
PRIVACY_CHANNEL = "root.crm_privacy"


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
        """Scheduled job: only queues the retention batches (a queue job on
        the privacy channel, OCA queue_job); a batch already queued is not
        queued twice."""
        return self._enqueue_retention(batch_size=batch_size)

    @api.model
    def _enqueue_retention(self, batch_size=None):
        return self.with_delay(
            channel=PRIVACY_CHANNEL,
            identity_key="crm.privacy.retention.run",
            description=_("Retention batch"),
        )._job_retention_batch(batch_size=batch_size)

    @api.model
    def _job_retention_batch(self, batch_size=None):
        """The queue job: one batch per policy (one transaction), then the
        next batch as a new job while this one did work and work remains
        (records held or failed in this run never count as remaining, so
        the chain ends)."""
        run, done, remaining = self.sudo()._retention_round(batch_size=batch_size)
        if done and remaining:
            self._enqueue_retention(batch_size=batch_size)
        return _(
            "%(done)s records handled, %(remaining)s remaining (run %(run)s).",
            done=done,
            remaining=remaining,
            run=run.id,
        )

    @api.model
    def _run_retention_batch(self, batch_size=None):
        """One batch per policy in the current transaction; returns the run."""
        return self._retention_round(batch_size=batch_size)[0]

    @api.model
    def _retention_round(self, batch_size=None):
        """Process one batch per policy; re-run until nothing remains.
        Returns (run, done, remaining).

        Idempotent and safe to interrupt: an interrupted run stays 'running'
        and is resumed by the next call; processed records are excluded from
        the candidates (anonymised flag or deleted).

        ``done`` is the number of records this call handled (processed, or
        failed and skipped) and ``remaining`` the candidates still waiting.
        Records that stay candidates (legal hold, other kept reasons) never
        count as remaining, nor do records whose processing failed in this
        run (the line keeps their ids; the next run tries them again): the
        chain of jobs stops instead of going on for ever. Each batch runs in
        a savepoint; a failed batch is retried record by record, each in its
        own savepoint, so that one bad record is logged and skipped without
        undoing the others or poisoning the transaction.
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
            line = line._crm_system_write()
            try:
                with self.env.cr.savepoint():
                    records, kept = policy._get_candidates()
            except Exception as error:  # a bad policy must not stop the others
                _logger.exception("Retention policy %s failed", policy.name)
                line.write({"error": str(error)})
                continue
            # records that failed earlier in this run are not retried by it
            failed_ids = set(line._get_failed_ids())
            todo = records.filtered(lambda rec, f=failed_ids: rec.id not in f)
            batch = todo[:batch_size]
            processed, failed, errors = self._retention_apply_batch(policy, batch)
            remaining = len(todo) - len(batch)
            vals = {
                "processed": line.processed + len(processed),
                "remaining": remaining,
                "held": len(kept),
            }
            if failed:
                vals["failed_ids"] = ",".join(map(str, sorted(failed_ids | set(failed.ids))))
                vals["error"] = "\n".join(errors)
            line.write(vals)
            # done: the records this call handled (a failed one is logged and
            # skipped, so that the scheduler goes on with the others)
            done_total += len(batch)
            remaining_total += remaining
        if not remaining_total:
            run.write({"state": "done", "date_end": fields.Datetime.now()})
        return run.with_env(self.env), done_total, remaining_total

    @api.model
    def _retention_apply_batch(self, policy, batch):
        """Apply ``policy`` to ``batch`` in a savepoint; when the batch fails,
        apply it record by record, each in its own savepoint, and skip the
        records that fail. Returns (processed, failed, error messages)."""
        if not batch:
            return batch, batch, []
        try:
            with self.env.cr.savepoint():
                batch._crm_privacy_retention_apply(policy)
            return batch, batch.browse(), []
        except Exception:  # noqa: BLE001 - isolate the failing records below
            # the savepoint rolled back and cleared the caches (flushing savepoint)
            _logger.info("Retention batch of %s failed; retrying record by record", policy.name)
        processed, failed, errors = batch.browse(), batch.browse(), []
        for record in batch:
            try:
                with self.env.cr.savepoint():
                    record._crm_privacy_retention_apply(policy)
                processed |= record
            except Exception as error:  # log, skip, go on
                _logger.exception(
                    "Retention policy %s failed on %s,%s", policy.name, record._name, record.id
                )
                failed |= record
                errors.append(f"{record._name},{record.id}: {error}")
        return processed, failed, errors
