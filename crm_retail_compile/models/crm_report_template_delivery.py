"""Who runs a department report besides its analysts, and how scheduled
reports reach people.

Branch operations: a template flagged *Branch Operations* is also run by the
branch staff and managers of its department (record rules in the security
XML); the engine compiles with the requester's own rules, so they only see
their branches (and staff their own or unassigned orders and leads).

Scheduled delivery: a due template is compiled and delivered, once per
scheduled date, to its chosen recipients and, when asked, to its
department's members, as an Odoo notification (a message on the run with
the files attached) or by e-mail. A recipient gets the report only when it
may read the template and its clearance reaches the template's sensitivity
ceiling; each refusal is noted on the template. Recipients are grouped by
what they may see: unscoped users share the owner's run, branch-scoped
analysts a run limited to their branches, and staff and managers get a run
compiled with their own access.
"""

import logging

from dateutil.relativedelta import relativedelta
from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..lib import report_engine
from .crm_report_run_job import is_transient

_logger = logging.getLogger(__name__)

STEPS = {
    "daily": relativedelta(days=1),
    "weekly": relativedelta(weeks=1),
    "monthly": relativedelta(months=1),
}
ANALYST = "crm_retail_compile.group_department_analyst"
STAFF = "crm_retail_compile.group_branch_staff"


class CrmReportTemplate(models.Model):
    _inherit = "crm.report.template"  # pylint: disable=consider-merging-classes-inherited

    branch_operational = fields.Boolean(
        string="Branch Operations",
        tracking=True,
        help="Branch staff and managers of the department may run this report too; they "
        "see only their branches' records (and staff only their own or unassigned leads "
        "and orders).",
    )
    delivery_method = fields.Selection(
        [("notification", "Odoo Notification"), ("email", "E-mail")],
        default="email",
        required=True,
        help="Notification: a message in each recipient's Odoo inbox with the files "
        "attached (e-mailed instead to users who chose e-mail notifications). "
        "E-mail: an e-mail with the files attached.",
    )
    send_to_members = fields.Boolean(
        string="Send to Department Members",
        help="Deliver the scheduled report to every member of the department as well as "
        "to the recipients chosen here.",
    )
    last_sent_date = fields.Date(
        string="Last Sent",
        readonly=True,
        crm_system=True,
        help="Hong Kong day of the last scheduled delivery.",
    )

    # ------------------------------------------------------------------
    # Schedule
    # ------------------------------------------------------------------
    @api.model
    def _schedule_today(self):
        """Today in the shops' time zone (Hong Kong), whatever the time zone
        of the user running the job."""
        return self.env["crm.customer.analytics"]._analytics_today()

    def _next_send_date(self, today):
        """The first scheduled date after ``today``, keeping the template's
        rhythm (no catching up on days missed while the job did not run)."""
        self.ensure_one()
        step = STEPS[self.schedule]
        next_date = self.next_send_date or today
        while next_date <= today:
            next_date += step
        return next_date

    @api.model
    def _lock_due(self, templates):
        """The templates no other transaction is sending now (row locks held
        to the end of the job's transaction: two jobs never send one twice)."""
        if not templates:
            return templates
        self.flush_model(["next_send_date", "schedule"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM crm_report_template WHERE id = ANY(%s) ORDER BY id "
                "FOR NO KEY UPDATE SKIP LOCKED",
                templates.ids,
            )
        )
        return self.browse([row[0] for row in rows])

    # ------------------------------------------------------------------
    # Recipients
    # ------------------------------------------------------------------
    def _delivery_audience(self):
        """Everyone the scheduled report is meant for: the chosen recipients
        and, when asked, the department's members (active internal users)."""
        self.ensure_one()
        users = self.recipient_ids
        if self.send_to_members and self.retail_department_id:
            users |= self.retail_department_id.member_ids
        return users.filtered(lambda u: u.active and not u.share)

    def _recipient_clearances(self, users):
        """{user id: highest sensitivity the user may see}: the clearances
        of their groups, capped by their department for analysts."""
        Clearance = self.env["crm.privacy.clearance"].sudo()
        by_group = {}
        for clearance in Clearance.search([]):
            by_group.setdefault(clearance.group_id.id, []).append(clearance.sensitivity)
        order = report_engine.SENSITIVITY_ORDER
        internal = self.env.ref("base.group_user")
        result = {}
        for user in users:
            levels = ["internal" if internal in user.groups_id else "public"]
            for group in user.groups_id:
                levels += by_group.get(group.id, [])
            best = max(levels, key=order.index)
            cap = Clearance._get_clearance_cap(user)
            if cap and order.index(cap) < order.index(best):
                best = cap
            result[user.id] = best
        return result

    def _split_recipients(self, users):
        """(authorised users, {reason: refused users}) for this template."""
        self.ensure_one()
        order = report_engine.SENSITIVITY_ORDER
        ceiling = self.sensitivity_ceiling
        clearances = self._recipient_clearances(users)
        allowed = users.browse()
        refused = {}
        for user in users:
            if order.index(clearances[user.id]) < order.index(ceiling):
                reason = _("clearance below the report's sensitivity (%(level)s)", level=ceiling)
            elif not self.with_user(user)._filtered_access("read"):
                reason = _(
                    "not authorised for %(department)s reports",
                    department=self.retail_department_id.name,
                )
            else:
                allowed |= user
                continue
            refused.setdefault(reason, users.browse())
            refused[reason] |= user
        return allowed, refused

    def _delivery_groups(self, users):
        """Recipients who see the same data, with how their run is compiled:
        [(users, compiling user, branches or None)]."""
        self.ensure_one()
        groups = {}
        for user in users:
            if not user.retail_branch_scoped:
                key = ("all",)
            elif user.has_group(ANALYST) and not user.has_group(STAFF) and user.retail_branch_ids:
                # an analyst's rules are its branches: the owner's run
                # limited to them
                key = ("branches", tuple(sorted(user.retail_branch_ids.ids)))
            else:
                # staff rules depend on the user (own or unassigned leads
                # and orders): compiled with the recipient's own access
                key = ("user", user.id)
            groups.setdefault(key, users.browse())
            groups[key] |= user
        result = []
        Branch = self.env["crm.retail.branch"]
        for key, members in groups.items():
            if key[0] == "all":
                result.append((members, self.owner_id, None))
            elif key[0] == "branches":
                result.append((members, self.owner_id, Branch.browse(key[1])))
            else:
                result.append((members, members, None))
        return result

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------
    def _delivery_files(self, run, users):
        """The run's files to attach, rendered on demand (after the checks
        of the delivery) in the language and time zone of the recipients
        (of the first, for recipients sharing a run)."""
        first = users[:1]
        return run.with_context(
            lang=first.lang or self.env.lang, tz=first.tz or "Asia/Hong_Kong"
        )._output_attachments()

    def _charge_recipients(self, run, users):
        """Log (and charge to their export budget) the files each recipient
        receives; recipients past their budget are left out. Returns
        (charged users, users past their budget)."""
        charged = users.browse()
        for user in users:
            try:
                with self.env.cr.savepoint():
                    run._log_download(user=user, kind_label=_("scheduled delivery"))
            except (UserError, AccessError) as error:
                _logger.info(
                    "Scheduled report %s not delivered to %s: %s", self.code, user.login, error
                )
                continue
            charged |= user
        return charged, users - charged

    def _deliver_run(self, run, users, attachments):
        """Deliver ``run``'s files to ``users`` by the template's method."""
        today = self._schedule_today()
        if self.delivery_method == "notification":
            run.sudo().message_post(
                body=Markup(
                    _(
                        "<p>The scheduled report <b>%(report)s</b> of %(date)s is attached "
                        "(%(rows)s rows).</p>"
                    )
                )
                % {"report": escape(self.name), "date": today, "rows": run.row_count},
                partner_ids=users.partner_id.ids,
                attachment_ids=attachments.ids,
                author_id=self.env.ref("base.partner_root").id,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
            return
        self.env["mail.mail"].sudo().create(
            {
                "subject": _("%(report)s (%(date)s)", report=self.name, date=today),
                "body_html": Markup(
                    _("<p>The scheduled report <b>%(report)s</b> is attached (%(rows)s rows).</p>")
                )
                % {"report": escape(self.name), "rows": run.row_count},
                "recipient_ids": [(6, 0, users.partner_id.ids)],
                "attachment_ids": [(6, 0, attachments.ids)],
                "auto_delete": False,
                "model": run._name,
                "res_id": run.id,
            }
        )

    def _crm_send_scheduled(self):
        """Compile and deliver this template to its audience; notes on the
        template who got it and who did not, and why. Returns the runs."""
        self.ensure_one()
        Run = self.env["crm.report.run"]
        audience = self._delivery_audience()
        allowed, refused = self._split_recipients(audience)
        if self.delivery_method == "email":
            no_email = allowed.filtered(lambda u: not u.partner_id.email)
            if no_email:
                refused.setdefault(_("no e-mail address"), audience.browse())
                refused[_("no e-mail address")] |= no_email
                allowed -= no_email
        delivered = audience.browse()
        runs = Run
        for users, compiler, branches in self._delivery_groups(allowed):
            try:
                run = Run._create_for_template(self, user=compiler, branches=branches)
            except AccessError:
                reason = _("%(user)s may not run this report", user=compiler.name)
                refused.setdefault(reason, audience.browse())
                refused[reason] |= users
                continue
            runs |= run
            run.with_context(crm_report_delivery=True)._execute()
            if run.state != "done":
                reason = _("the report failed: %(error)s", error=run.error or "")
                refused.setdefault(reason, audience.browse())
                refused[reason] |= users
                continue
            charged, over_budget = self._charge_recipients(run, users)
            if over_budget:
                reason = _("personal-data budget used up")
                refused.setdefault(reason, audience.browse())
                refused[reason] |= over_budget
            if charged:
                self._deliver_run(run, charged, self._delivery_files(run, charged))
                delivered |= charged
        self._note_delivery(delivered, refused)
        return runs

    def _note_delivery(self, delivered, refused):
        """One note on the template: delivered to whom, refused to whom and why."""
        self.ensure_one()
        if not delivered and not refused:
            return
        parts = []
        if delivered:
            parts.append(escape(_("Sent to %(users)s.", users=", ".join(delivered.mapped("name")))))
        for reason, users in refused.items():
            _logger.info(
                "Scheduled report %s not sent to %s: %s",
                self.code,
                ", ".join(users.mapped("login")),
                reason,
            )
            parts.append(
                escape(
                    _(
                        "Not sent to %(users)s: %(reason)s.",
                        users=", ".join(users.mapped("name")),
                        reason=reason,
                    )
                )
            )
        self.message_post(body=Markup("<br/>").join(parts), subtype_xmlid="mail.mt_note")

    @api.model
    def _crm_send_due_scheduled(self):
        """Send the templates due today (Hong Kong day): each in a savepoint,
        so a failing template is logged and retried at the next call without
        stopping the others; a sent template's next date moves past today
        in the same transaction, so a second call sends nothing. A transient
        database error is raised (the job is retried later, whole: what it
        sent is rolled back with it). Returns (sent, failed)."""
        today = self._schedule_today()
        due = self.search(
            [
                ("schedule", "!=", "none"),
                "|",
                ("next_send_date", "=", False),
                ("next_send_date", "<=", today),
            ]
        )
        sent = failed = 0
        for template in self._lock_due(due):
            try:
                with self.env.cr.savepoint():
                    template._send_scheduled()
                    template.next_send_date = template._next_send_date(today)
                    template._crm_system_write().write({"last_sent_date": today})
            except Exception as error:  # one template must not stop the others
                if is_transient(error):
                    raise
                self.env.invalidate_all()
                _logger.exception("Scheduled report %s not sent", template.code)
                template.message_post(
                    body=_(
                        "The scheduled sending failed and will be retried: %(error)s",
                        error=str(error),
                    ),
                    subtype_xmlid="mail.mt_note",
                )
                failed += 1
                continue
            sent += 1
        return sent, failed
