import logging
import time
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib import data_quality as dq

_logger = logging.getLogger(__name__)

# A running scan without progress for this long was abandoned (its worker
# died and its rules were never finished): a new scan starts instead.
STALE_AFTER = timedelta(days=2)
# queue_job channel of the nightly jobs (see data/queue_job_data.xml)
NIGHTLY_CHANNEL = "root.crm_nightly"
# consent and notice gaps are branch summaries (no customer to call)
MISSING_INFO_CHECKS = ("no_contact", "no_district")


class CrmDqScan(models.Model):
    """A pass of the data-quality rules over all customers and sales.

    A scan checks its rules one at a time; each rule is one transaction when
    run in the background (a queue job per rule, ``_job_scan_step``), which
    records it in ``line_ids``. An interrupted scan stays *running* and the
    next run resumes it with the rules it has not done. Each rule's
    reconciliation is idempotent.
    """

    _name = "crm.dq.scan"
    _description = "Data Quality Scan"
    _order = "started desc, id desc"

    name = fields.Char(compute="_compute_name")
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Abandoned")],
        required=True,
        default="running",
        index=True,
    )
    trigger = fields.Selection(
        [("cron", "Scheduled"), ("manual", "Manual")], required=True, default="manual"
    )
    started = fields.Datetime(required=True, default=fields.Datetime.now)
    finished = fields.Datetime()
    last_progress = fields.Datetime(default=fields.Datetime.now)
    rule_ids = fields.Many2many("crm.dq.rule", string="Rules")
    line_ids = fields.One2many("crm.dq.scan.line", "scan_id", string="Rule Results")
    rule_count = fields.Integer(compute="_compute_counts")
    rules_done = fields.Integer(compute="_compute_counts")
    progress = fields.Float(compute="_compute_counts", string="Progress (%)")
    found_count = fields.Integer(string="Found", compute="_compute_counts")
    new_count = fields.Integer(string="New", compute="_compute_counts")
    resolved_count = fields.Integer(string="Resolved", compute="_compute_counts")
    activity_count = fields.Integer(string="Activities", compute="_compute_counts")
    snapshot_ids = fields.One2many("crm.dq.snapshot", "scan_id")

    @api.depends("started", "trigger")
    def _compute_name(self):
        for scan in self:
            scan.name = _("Scan of %(date)s", date=fields.Datetime.to_string(scan.started) or "")

    @api.depends("rule_ids", "line_ids")
    def _compute_counts(self):
        for scan in self:
            lines = scan.line_ids
            scan.rule_count = len(scan.rule_ids)
            scan.rules_done = len(lines)
            scan.progress = 100.0 * len(lines) / len(scan.rule_ids) if scan.rule_ids else 0.0
            scan.found_count = sum(lines.mapped("found_count"))
            scan.new_count = sum(lines.mapped("new_count"))
            scan.resolved_count = sum(lines.mapped("resolved_count"))
            scan.activity_count = sum(lines.mapped("activity_count"))

    # --- actions ------------------------------------------------------------

    def action_run_scan(self):
        """List button "Run scan now": resume the unfinished scan or start a
        new one, and run it to the end in this request."""
        self._check_can_run()
        scan = self.sudo()._get_current_scan(trigger="manual")
        scan._run_all()
        return scan._action_open()

    def action_run_in_background(self):
        """Queue the scan's job (it runs as the scheduled scan does)."""
        self._check_can_run()
        self.sudo()._enqueue_scan()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": _("The scan starts in the background in a moment."),
                "type": "info",
                "sticky": False,
            },
        }

    def _check_can_run(self):
        if not self.env.user.has_group("crm_retail_compile.group_branch_manager"):
            raise UserError(_("Only branch managers and administrators can run scans."))

    def _action_open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    # --- driving --------------------------------------------------------------

    @api.model
    def _create_scan(self, trigger="manual", rules=None):
        rules = rules if rules is not None else self.env["crm.dq.rule"].search([])
        return self.create({"trigger": trigger, "rule_ids": [fields.Command.set(rules.ids)]})

    @api.model
    def _get_current_scan(self, trigger="cron"):
        """The latest unfinished scan, to resume, or a new scan.

        A running scan locked by another transaction is being run right now:
        nothing to do (None when called by the cron, an error for a user).
        """
        now = fields.Datetime.now()
        running = self.search([("state", "=", "running")], order="started desc, id desc")
        stale = running.filtered(lambda s: s.last_progress and s.last_progress < now - STALE_AFTER)
        if stale:
            stale.write({"state": "failed", "finished": now})
        current = running - stale
        if current:
            current = current[0]
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env.cr.execute(
                        SQL(
                            "SELECT id FROM crm_dq_scan WHERE id = %s FOR UPDATE NOWAIT",
                            current.id,
                        )
                    )
            except psycopg2.errors.LockNotAvailable:
                if trigger == "cron":
                    return self.browse()
                raise UserError(_("A scan is running at the moment: try again later.")) from None
            _logger.info("Data quality: resuming scan %s", current.id)
            return current
        return self._create_scan(trigger=trigger)

    def _rules_todo(self):
        self.ensure_one()
        return self.rule_ids.filtered("active") - self.line_ids.rule_id

    def _step(self):
        """Check the next rule of the scan, or finish it.

        Return the number of steps left (0 when the scan is done).
        """
        self.ensure_one()
        todo = self._rules_todo()
        if todo:
            self._process_rule(todo[0])
            return len(todo)  # the remaining rules (minus this one) + finishing
        self._finish()
        return 0

    def _run_all(self):
        """Run the scan to its end in the current transaction."""
        self.ensure_one()
        while self._step():
            pass
        return True

    @api.model
    def _cron_scan(self):
        """Scheduled job: only queues the scan's job on the nightly channel
        (OCA queue_job); a scan already queued is not queued twice."""
        self._enqueue_scan()

    @api.model
    def _enqueue_scan(self):
        return self.with_delay(
            channel=NIGHTLY_CHANNEL,
            identity_key="crm.dq.scan",
            description=_("Data-quality scan"),
        )._job_scan_step()

    @api.model
    def _job_scan_step(self):
        """The queue job: one rule of the current scan (resumed, or a new
        one) in one transaction, then the next step as a new job. A step
        run twice does nothing twice: a rule done is not done again, and a
        scan being run by someone else is left to them. A killed or
        failed step is run again (queue_job requeues it, or tonight's
        scheduled job resumes the scan)."""
        scan = self.sudo()._get_current_scan(trigger="cron")
        if not scan:
            return _("A scan is being run by someone else.")
        remaining = scan._step()
        if remaining:
            self._enqueue_scan()
        return _("%(count)s steps left.", count=remaining)

    # --- one rule -----------------------------------------------------------------

    def _process_rule(self, rule):
        """Compute the rule's current violations into a temporary table with
        one set-based query (or batches of Python checks), then reconcile
        the rule's issues with it in three statements."""
        self.ensure_one()
        start = time.monotonic()
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """CREATE TEMP TABLE IF NOT EXISTS crm_dq_violation (
                   res_id integer, partner_id integer, retail_branch_id integer,
                   detail varchar, related_partner_id integer
               ) ON COMMIT DROP"""
        )
        cr.execute("TRUNCATE crm_dq_violation")
        columns = SQL("res_id, partner_id, retail_branch_id, detail, related_partner_id")
        if rule._is_python_check():
            for rows in rule._violation_batches():
                if rows:
                    cr.execute(
                        SQL(
                            """INSERT INTO crm_dq_violation (%s)
                               SELECT * FROM unnest(%s::int[], %s::int[], %s::int[],
                                                    %s::varchar[], %s::int[])""",
                            columns,
                            *(list(col) for col in zip(*rows, strict=True)),
                        )
                    )
        else:
            cr.execute(
                SQL(
                    """INSERT INTO crm_dq_violation (%s)
                       SELECT DISTINCT ON (v.res_id) v.*
                         FROM (%s) AS v(res_id, partner_id, retail_branch_id, detail,
                                        related_partner_id)
                        ORDER BY v.res_id""",
                    columns,
                    rule._violation_query(),
                )
            )
        found = cr.rowcount if not rule._is_python_check() else None
        cr.execute("ANALYZE crm_dq_violation")
        if found is None:
            cr.execute("SELECT count(*) FROM crm_dq_violation")
            found = cr.fetchone()[0]
        new_ids, new_count, resolved = self._reconcile(rule)
        activities = 0
        if new_ids and rule.create_activity and rule.check in MISSING_INFO_CHECKS:
            activities = self._create_activities(rule, new_ids)
        self.env["crm.dq.scan.line"].create(
            {
                "scan_id": self.id,
                "rule_id": rule.id,
                "sequence": rule.sequence,
                "found_count": found,
                "new_count": new_count,
                "resolved_count": resolved,
                "activity_count": activities,
                "duration": time.monotonic() - start,
            }
        )
        self.last_progress = fields.Datetime.now()
        _logger.info(
            "Data quality scan %s, rule %r: %s found, %s new, %s resolved in %.1fs",
            self.id,
            rule.name,
            found,
            new_count,
            resolved,
            time.monotonic() - start,
        )

    def _reconcile(self, rule):
        """Reconcile the issues of ``rule`` with the table crm_dq_violation.

        Set-based and idempotent (see ``lib.data_quality.plan_reconciliation``):
        still-violating open or ignored issues are refreshed when their
        details changed (and left alone otherwise), new violations
        get an open issue, open or ignored issues whose record no longer
        violates are resolved. Return (the ids of up to activity_limit new
        issues, the number of new issues, the number of resolved issues).
        """
        cr = self.env.cr
        now = fields.Datetime.now()
        uid = self.env.uid
        pending = SQL("i.rule_id = %s AND i.state IN ('open', 'ignored')", rule.id)
        cr.execute(
            SQL(
                """UPDATE crm_dq_issue i
                      SET last_seen = %(now)s, detail = v.detail, partner_id = v.partner_id,
                          retail_branch_id = v.retail_branch_id, severity = %(severity)s,
                          related_partner_id = v.related_partner_id,
                          write_date = %(now)s, write_uid = %(uid)s
                     FROM crm_dq_violation v
                    WHERE %(pending)s AND i.res_id = v.res_id
                      AND (i.detail IS DISTINCT FROM v.detail
                           OR i.partner_id IS DISTINCT FROM v.partner_id
                           OR i.retail_branch_id IS DISTINCT FROM v.retail_branch_id
                           OR i.related_partner_id IS DISTINCT FROM v.related_partner_id
                           OR i.severity IS DISTINCT FROM %(severity)s)""",
                now=now,
                severity=rule.severity,
                uid=uid,
                pending=pending,
            )
        )
        cr.execute(
            SQL(
                """WITH new AS (
                       INSERT INTO crm_dq_issue (
                           rule_id, category, severity, res_model, res_id, partner_id,
                           retail_branch_id, related_partner_id, detail, state,
                           first_seen, last_seen, create_date, create_uid, write_date,
                           write_uid)
                       SELECT %(rule)s, %(category)s, %(severity)s, %(model)s, v.res_id,
                              v.partner_id, v.retail_branch_id, v.related_partner_id,
                              v.detail, 'open', %(now)s, %(now)s, %(now)s, %(uid)s,
                              %(now)s, %(uid)s
                         FROM crm_dq_violation v
                        WHERE NOT EXISTS (SELECT 1 FROM crm_dq_issue i
                                           WHERE %(pending)s AND i.res_id = v.res_id)
                    RETURNING id)
                   SELECT count(*), (array_agg(id ORDER BY id))[1:%(limit)s] FROM new""",
                rule=rule.id,
                category=rule.category,
                severity=rule.severity,
                model=rule.res_model,
                now=now,
                uid=uid,
                pending=pending,
                limit=max(rule.activity_limit, 0),
            )
        )
        new_count, new_ids = cr.fetchone()
        cr.execute(
            SQL(
                """UPDATE crm_dq_issue i
                      SET state = 'resolved', resolved_date = %(now)s,
                          write_date = %(now)s, write_uid = %(uid)s
                    WHERE %(pending)s
                      AND NOT EXISTS (SELECT 1 FROM crm_dq_violation v
                                       WHERE v.res_id = i.res_id)""",
                now=now,
                uid=uid,
                pending=pending,
            )
        )
        resolved = cr.rowcount
        # one row for the whole rule instead of a last-seen date on every
        # still-open issue: the daily scan rewrites only what changed
        cr.execute(SQL("UPDATE crm_dq_rule SET last_check_date = %s WHERE id = %s", now, rule.id))
        rule.invalidate_recordset(["last_check_date"])
        self.env["crm.dq.issue"].invalidate_model()
        return new_ids or [], new_count, resolved

    def _create_activities(self, rule, issue_ids):
        """Ask staff to supplement the missing information of the customers
        of new issues, through a channel the customer can be reached by.

        Assigned to the manager of the customer's home branch, or else to
        the customer's salesperson; customers with neither are skipped.
        """
        cr = self.env.cr
        cr.execute(
            SQL(
                """SELECT i.partner_id,
                          COALESCE(b.manager_id, p.user_id),
                          COALESCE(btrim(p.phone), '') <> ''
                              OR COALESCE(btrim(p.mobile), '') <> '',
                          COALESCE(btrim(p.email), '') <> ''
                     FROM crm_dq_issue i
                     JOIN res_partner p ON p.id = i.partner_id
                     LEFT JOIN crm_retail_branch b ON b.id = p.retail_branch_id
                    WHERE i.id = ANY(%s) AND COALESCE(b.manager_id, p.user_id) IS NOT NULL
                    ORDER BY i.id""",
                issue_ids,
            )
        )
        rows = cr.fetchall()
        if not rows:
            return 0
        messages = {
            "call": _(
                "Call the customer or send an SMS to complete: %(missing)s.", missing=rule.name
            ),
            "email": _("Email the customer to complete: %(missing)s.", missing=rule.name),
            "visit": _(
                "Ask the customer at their next store visit to complete: %(missing)s.",
                missing=rule.name,
            ),
        }
        model_id = self.env["ir.model"]._get_id("res.partner")
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        deadline = fields.Date.context_today(self) + timedelta(days=7)
        summary = _("Data quality: %(rule)s", rule=rule.name)
        vals_list = [
            {
                "res_model_id": model_id,
                "res_id": partner_id,
                "activity_type_id": todo.id if todo else False,
                "summary": summary,
                "note": messages[dq.supplement_channel(has_phone, has_email)],
                "user_id": user_id,
                "date_deadline": deadline,
            }
            for partner_id, user_id, has_phone, has_email in rows
        ]
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            vals_list
        )
        return len(vals_list)

    # --- end of scan ------------------------------------------------------------

    def _finish(self):
        """Update the customers' scores and write the branch snapshots."""
        self.ensure_one()
        self._update_scores()
        self._write_snapshots()
        # expire old requests to customers; ask for new issues (option)
        self.env["crm.dq.request"].sudo()._after_scan(self)
        self.write({"state": "done", "finished": fields.Datetime.now()})

    def _severity_weight_sql(self, alias):
        weights = dq.SEVERITY_WEIGHTS
        return SQL(
            """CASE %s WHEN 'low' THEN %s WHEN 'medium' THEN %s
                       WHEN 'high' THEN %s WHEN 'critical' THEN %s ELSE 0 END""",
            SQL.identifier(alias, "severity"),
            weights["low"],
            weights["medium"],
            weights["high"],
            weights["critical"],
        )

    def _update_scores(self):
        """One UPDATE ... FROM: the score of every customer, from the open
        issues on the customer record (lib.data_quality.quality_score)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE res_partner p
                      SET dq_score = s.score
                     FROM (SELECT c.id, GREATEST(0, 100 - COALESCE(sum(%s), 0))::int AS score
                             FROM res_partner c
                             LEFT JOIN crm_dq_issue i
                                    ON i.res_model = 'res.partner' AND i.res_id = c.id
                                   AND i.state = 'open'
                            WHERE c.is_retail_customer AND c.active
                            GROUP BY c.id) s
                    WHERE p.id = s.id AND p.dq_score IS DISTINCT FROM s.score""",
                self._severity_weight_sql("i"),
            )
        )
        self.env["res.partner"].invalidate_model(["dq_score"])

    def _write_snapshots(self):
        self.ensure_one()
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """INSERT INTO crm_dq_snapshot (
                       scan_id, date, retail_branch_id, customer_count, avg_score,
                       open_low, open_medium, open_high, open_critical, open_total,
                       create_date, create_uid, write_date, write_uid)
                   SELECT %(scan)s, %(today)s, b.branch_id, COALESCE(c.n, 0), c.avg_score,
                          COALESCE(i.low, 0), COALESCE(i.medium, 0), COALESCE(i.high, 0),
                          COALESCE(i.critical, 0), COALESCE(i.total, 0),
                          %(now)s, %(uid)s, %(now)s, %(uid)s
                     FROM (SELECT id AS branch_id FROM crm_retail_branch WHERE active
                           UNION SELECT NULL) b
                     LEFT JOIN (SELECT retail_branch_id, count(*) AS n, avg(dq_score) AS avg_score
                                  FROM res_partner
                                 WHERE is_retail_customer AND active
                                 GROUP BY retail_branch_id) c
                            ON c.retail_branch_id IS NOT DISTINCT FROM b.branch_id
                     LEFT JOIN (SELECT retail_branch_id,
                                       count(*) FILTER (WHERE severity = 'low') AS low,
                                       count(*) FILTER (WHERE severity = 'medium') AS medium,
                                       count(*) FILTER (WHERE severity = 'high') AS high,
                                       count(*) FILTER (WHERE severity = 'critical') AS critical,
                                       count(*) AS total
                                  FROM crm_dq_issue WHERE state = 'open'
                                 GROUP BY retail_branch_id) i
                            ON i.retail_branch_id IS NOT DISTINCT FROM b.branch_id
                    WHERE b.branch_id IS NOT NULL OR c.n IS NOT NULL OR i.total IS NOT NULL""",
                scan=self.id,
                today=fields.Date.context_today(self),
                now=now,
                uid=self.env.uid,
            )
        )
        self.env["crm.dq.snapshot"].invalidate_model()
