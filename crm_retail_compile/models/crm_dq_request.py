from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..lib import dq_request as dqr


class CrmDqRequest(models.Model):
    """A request to a customer to supplement or correct their own data.

    Staff ("Ask the Customer" on data-quality issues and customers) or the
    nightly scan create one request per customer for the open issues the
    customer can fix themselves, and send it by e-mail (signed portal link)
    or SMS (short link). The customer answers on the portal page
    ``/my/data-request/<id>`` (``controllers/dq_request_portal.py``); the
    answer is validated with the back office's rules, written to the
    customer by the ORM, resolves the issues and is logged on the customer
    (``crm_dq_request_answer.py``). The rules (what to ask, channel, reading
    the answer, masks, dates) are plain Python in ``lib/dq_request.py``.
    """

    _name = "crm.dq.request"
    _inherit = ["crm.branch.mixin", "mail.thread", "portal.mixin"]
    _description = "Data Quality Request to a Customer"
    _order = "id desc"

    name = fields.Char(string="Reference", compute="_compute_name")
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, readonly=True, crm_system=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
        crm_system=True,
    )
    retail_branch_id = fields.Many2one(readonly=True, crm_system=True)
    issue_ids = fields.Many2many(
        "crm.dq.issue",
        "crm_dq_request_issue_rel",
        "request_id",
        "issue_id",
        string="Issues",
        readonly=True,
        crm_system=True,
    )
    field_keys = fields.Char(
        string="Asked Field Keys",
        readonly=True,
        crm_system=True,
        help="The customer fields asked, comma-separated keys.",
    )
    asked_fields = fields.Char(string="Fields Asked", compute="_compute_asked_fields")
    channel = fields.Selection(dqr.CHANNELS, required=True, readonly=True, crm_system=True)
    state = fields.Selection(
        dqr.STATES, required=True, default="draft", readonly=True, crm_system=True, tracking=True
    )
    origin = fields.Selection(
        dqr.ORIGINS,
        string="Sent By",
        required=True,
        default="clerk",
        readonly=True,
        crm_system=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Sent By User",
        readonly=True,
        crm_system=True,
        default=lambda self: self.env.user,
    )
    sent_date = fields.Datetime(readonly=True, crm_system=True)
    expiry_date = fields.Datetime(string="Expires", readonly=True, crm_system=True)
    answered_date = fields.Datetime(readonly=True, crm_system=True)
    answer_source = fields.Selection(dqr.ANSWER_SOURCES, readonly=True, crm_system=True)
    answer_summary = fields.Char(
        string="Fields Updated", readonly=True, crm_system=True, help="What the customer gave."
    )
    # secrets of the links: only the system reads them
    access_token = fields.Char(groups="base.group_system", readonly=True, crm_system=True)
    short_code = fields.Char(groups="base.group_system", readonly=True, copy=False, crm_system=True)

    _sql_constraints = [
        ("short_code_uniq", "unique(short_code)", "The short code of a request is unique."),
    ]

    def init(self):
        # the re-send check and the scan look up a customer's latest requests
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS crm_dq_request_partner_sent_idx "
                "ON crm_dq_request (partner_id, sent_date)"
            )
        )

    def _compute_name(self):
        for req in self:
            req.name = f"DQR-{req.id:06d}" if req.id else self.env._("New")

    @api.depends("field_keys")
    @api.depends_context("lang")
    def _compute_asked_fields(self):
        labels = dict(self._ask_labels())
        for req in self:
            req.asked_fields = ", ".join(labels.get(k, k) for k in req._asked_keys())

    @api.model
    def _ask_labels(self):
        return [
            ("name", self.env._("Name")),
            ("email", self.env._("E-mail")),
            ("mobile", self.env._("Mobile")),
            ("phone", self.env._("Phone")),
            ("district", self.env._("District")),
            ("birthday", self.env._("Birthday")),
            ("address", self.env._("Address")),
        ]

    def _asked_keys(self):
        self.ensure_one()
        return dqr.asked_keys(self.field_keys)

    def _compute_access_url(self):
        for req in self:
            req.access_url = f"/my/data-request/{req.id}"

    # --- configuration ------------------------------------------------------------

    @api.model
    def _param_int(self, key, default):
        return dqr.param_int(self.env["ir.config_parameter"].sudo().get_param(key), default)

    # --- what to ask whom -----------------------------------------------------------

    @api.model
    def _usable_channel(self, partner):
        """The channel a request can reach ``partner`` on, or None."""
        return dqr.usable_channel(
            partner.email,
            partner.is_blacklisted,
            partner.mobile or partner.phone,
            partner.phone_sanitized,
            partner.phone_sanitized_blacklisted,
            partner.preferred_contact_channel,
        )

    @api.model
    def _recently_asked_ids(self, partner_ids):
        """Customers sent a request in the last N days (config parameter
        ``dq_request_resend_days``), or with one still waiting."""
        days = self._param_int(dqr.PARAM_RESEND_DAYS, dqr.DEFAULT_RESEND_DAYS)
        cutoff = dqr.resend_cutoff(fields.Datetime.now(), days)
        self.flush_model(["partner_id", "state", "sent_date"])
        rows = self.env.execute_query(
            SQL(
                """SELECT DISTINCT partner_id FROM crm_dq_request
                    WHERE partner_id = ANY(%s)
                      AND (state IN ('draft', 'sent') OR (state <> 'cancelled'
                           AND sent_date >= %s))""",
                list(partner_ids),
                cutoff,
            )
        )
        return {row[0] for row in rows}

    @api.model
    def _check_can_ask(self):
        if not (self.env.su or self.env.user.has_group("crm_retail_compile.group_branch_staff")):
            raise AccessError(
                self.env._(
                    "Only branch staff, branch managers and administrators can ask customers."
                )
            )

    @api.model
    def _ask_customers(self, partners, origin="clerk"):
        """Create and send one request per customer of ``partners`` for their
        open issues the customer can fix. Set-based: one search for the
        issues, one query for the recent requests, one create, one batch of
        mails and SMS, one batch of chatter notes.

        Return ``(requests, skipped)`` where skipped maps a reason to the
        number of customers."""
        self._check_can_ask()
        partners = partners.exists().filtered(
            lambda p: p.is_retail_customer and p.active and not p.crm_anonymised
        )
        if not partners:
            return self.browse(), {}
        # the user's rights: branch rules on the issues (staff), all (scan)
        issues = self.env["crm.dq.issue"].search(
            [
                ("partner_id", "in", partners.ids),
                ("res_model", "=", "res.partner"),
                ("state", "=", "open"),
                ("rule_id.check", "in", list(dqr.CHECK_ASKS)),
            ]
        )
        keys_of = dqr.keys_for_issues(
            (i.partner_id.id, i.rule_id.check, i.partner_id.mobile, i.partner_id.phone)
            for i in issues
        )
        by_id = {partner.id: partner for partner in partners}
        channel_of, skipped = dqr.plan_requests(
            partners.ids,
            keys_of,
            self._recently_asked_ids(keys_of),
            lambda partner_id: self._usable_channel(by_id[partner_id]),
        )
        issue_ids_of = {}
        for issue in issues:
            issue_ids_of.setdefault(issue.partner_id.id, []).append(issue.id)
        vals_list = [
            {
                "partner_id": partner.id,
                "retail_branch_id": partner.retail_branch_id.id,
                "issue_ids": [fields.Command.set(issue_ids_of[partner.id])],
                "field_keys": ",".join(keys_of[partner.id]),
                "channel": channel_of[partner.id],
                "origin": origin,
                "access_token": dqr.new_token(),
                "short_code": dqr.new_short_code(),
            }
            for partner in partners
            if partner.id in channel_of
        ]
        if not vals_list:
            return self.browse(), skipped
        # the user's own create (ACL, branch link check on the customer
        # and the issues), allowed to set the system fields
        requests = (
            self._crm_system_write()
            .with_context(mail_create_nolog=True, tracking_disable=True)
            .create(vals_list)
        )
        requests._send()
        return requests, skipped

    def _send(self):
        """Send the requests (mail or SMS queue), mark them sent and log
        them on the request and on the customer."""
        now = fields.Datetime.now()
        valid_days = (
            self._param_int(dqr.PARAM_VALID_DAYS, dqr.DEFAULT_VALID_DAYS) or dqr.DEFAULT_VALID_DAYS
        )
        # sent first: the messages show the expiry date
        self._crm_system_write().write(
            {
                "state": "sent",
                "sent_date": now,
                "expiry_date": dqr.expiry_date(now, valid_days),
            }
        )
        by_email = self.filtered(lambda r: r.channel == "email")
        by_sms = self - by_email
        if by_email:
            template = self.env.ref("crm_retail_compile.mail_template_dq_request")
            template.sudo().send_mail_batch(by_email.ids)
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
        if by_sms:
            template = self.env.ref("crm_retail_compile.sms_template_dq_request").sudo()
            bodies = template._render_field("body", by_sms.ids, compute_lang=True)
            self.env["sms.sms"].sudo().create(
                [
                    {
                        "number": req.partner_id.phone_sanitized,
                        "partner_id": req.partner_id.id,
                        "body": bodies[req.id],
                        "state": "outgoing",
                    }
                    for req in by_sms
                ]
            )
            self.env.ref("sms.ir_cron_sms_scheduler_action").sudo()._trigger()
        channels = dict(self._fields["channel"]._description_selection(self.env))
        author = self.env.user.partner_id.id
        bodies = {
            req.id: Markup("<p>%s</p>")
            % self.env._(
                "Data request %(name)s sent by %(channel)s, asking: %(fields)s.",
                name=req.name,
                channel=channels[req.channel],
                fields=req.asked_fields,
            )
            for req in self
        }
        self.sudo()._message_log_batch(bodies=bodies, author_id=author)
        self.partner_id.sudo()._message_log_batch(
            bodies={req.partner_id.id: bodies[req.id] for req in self}, author_id=author
        )

    # --- links ----------------------------------------------------------------

    def _portal_link(self):
        """The signed link of the portal page (for the e-mail)."""
        self.ensure_one()
        req = self.sudo()
        return f"{req.get_base_url()}/my/data-request/{req.id}?access_token={req.access_token}"

    def _short_link(self):
        """The short link for the SMS: /dq/<code> redirects to the signed link."""
        self.ensure_one()
        req = self.sudo()
        return f"{req.get_base_url()}/dq/{req.short_code}"

    def _request_lang(self):
        """The customer's language for the message: their preferred one."""
        self.ensure_one()
        partner = self.partner_id
        installed = dict(self.env["res.lang"].get_installed())
        return dqr.preferred_lang(partner.preferred_language, installed, partner.lang)

    # --- buttons ----------------------------------------------------------------

    def action_cancel(self):
        self._check_can_ask()
        todo = self.filtered(lambda r: r.state in ("draft", "sent"))
        todo.check_access("write")
        todo._crm_system_write().write({"state": "cancelled"})
        return True

    @api.model
    def _notify_result(self, requests, skipped):
        _ = self.env._
        reasons = {
            "nothing": _("no open issue the customer can fix"),
            "recent": _("already asked in the last %(days)s days", days=self._resend_days()),
            "no_channel": _("no usable e-mail or mobile (missing, invalid or blacklisted)"),
        }
        parts = [self.env._("%(count)s request(s) sent.", count=len(requests))]
        if skipped:
            parts.append(
                self.env._("Not asked:")
                + " "
                + "; ".join(
                    self.env._("%(count)s (%(reason)s)", count=count, reason=reasons[reason])
                    for reason, count in sorted(skipped.items())
                )
                + "."
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": " ".join(parts),
                "type": "success" if requests else "warning",
                "sticky": bool(skipped),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _resend_days(self):
        return self._param_int(dqr.PARAM_RESEND_DAYS, dqr.DEFAULT_RESEND_DAYS)

    # --- the nightly scan ---------------------------------------------------------

    @api.model
    def _after_scan(self, scan):
        """Called at the end of each data-quality scan: expire the requests
        past their date (one UPDATE), and, when the option is on
        (``dq_request_auto_send``), ask the customers of newly found issues
        they can fix. Safe to run twice: customers asked in the last N days
        or with a request waiting are not asked again."""
        now = fields.Datetime.now()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE crm_dq_request SET state = 'expired', write_date = %s
                    WHERE state = 'sent' AND expiry_date < %s""",
                now,
                now,
            )
        )
        self.invalidate_model(["state"])
        param = self.env["ir.config_parameter"].sudo().get_param(dqr.PARAM_AUTO_SEND, "0")
        if not dqr.param_on(param):
            return self.browse()
        days = self._resend_days() or dqr.DEFAULT_RESEND_DAYS
        limit = self._param_int(dqr.PARAM_AUTO_LIMIT, dqr.DEFAULT_AUTO_LIMIT)
        rows = self.env.execute_query(
            SQL(
                """SELECT i.partner_id
                     FROM crm_dq_issue i
                     JOIN crm_dq_rule r ON r.id = i.rule_id
                     JOIN res_partner p ON p.id = i.partner_id
                    WHERE i.state = 'open' AND i.res_model = 'res.partner'
                      AND (COALESCE(p.email, '') <> '' OR COALESCE(p.mobile, '') <> ''
                           OR COALESCE(p.phone, '') <> '')
                      AND r.check = ANY(%s) AND i.first_seen >= %s
                      AND NOT EXISTS (
                          SELECT 1 FROM crm_dq_request q
                           WHERE q.partner_id = i.partner_id
                             AND (q.state IN ('draft', 'sent')
                                  OR (q.state <> 'cancelled' AND q.sent_date >= %s)))
                    GROUP BY i.partner_id
                    ORDER BY max(i.first_seen) DESC, i.partner_id DESC LIMIT %s""",
                list(dqr.CHECK_ASKS),
                dqr.resend_cutoff(now, days),
                dqr.resend_cutoff(now, days),
                limit,
            )
        )
        if not rows:
            return self.browse()
        partners = self.env["res.partner"].browse([row[0] for row in rows])
        requests, _skipped = self.sudo()._ask_customers(partners, origin="scan")
        return requests
