from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

# mailing_type -> consent channel
MAILING_CHANNELS = {"mail": "email", "sms": "sms"}
# mailing_type -> (failure type of an excluded recipient, field flagging Odoo's blacklist)
NO_CONSENT_FAILURES = {"mail": "mail_no_consent", "sms": "sms_no_consent"}
BLACKLIST_FIELDS = {"mail": "is_blacklisted", "sms": "phone_sanitized_blacklisted"}


class MailingMailing(models.Model):
    """Direct marketing to customers only reaches those who consented (PDPO Part 6A).

    A mailing to customers (contacts, leads: see ``_crm_privacy_partner_field``) is
    direct marketing unless a privacy officer marks it as a service message. Its
    recipients without a current consent to its purpose on its channel are not sent
    to: each gets a cancelled trace with the failure type ``mail_no_consent`` /
    ``sms_no_consent`` (as Odoo does for blacklisted addresses), counted on the
    mailing. Blacklisted recipients are left to Odoo, which cancels them with its own
    blacklist failure type. Mailings to mailing lists (their own opt-in) and service
    messages behave as in Odoo.
    """

    _inherit = "mailing.mailing"

    privacy_direct_marketing = fields.Boolean(
        string="Direct Marketing",
        compute="_compute_privacy_direct_marketing",
        store=True,
        readonly=False,
        precompute=True,
        copy=False,
        help="Offers goods or services to customers: only customers who consented to the "
        "marketing purpose on this channel receive it (PDPO Part 6A). Untick only for "
        "service messages (order ready, appointment reminder); a privacy officer decides.",
    )
    privacy_purpose_id = fields.Many2one(
        "crm.privacy.marketing.purpose",
        string="Marketing Purpose",
        ondelete="restrict",
        help="Only customers who consented to this purpose on the mailing's channel "
        "receive it (PDPO Part 6A). Without a purpose, no customer receives a direct "
        "marketing mailing.",
    )
    privacy_scoped = fields.Boolean(
        compute="_compute_privacy_scoped",
        help="Direct marketing to customers: consent is checked for every recipient.",
    )
    privacy_blocked_count = fields.Integer(compute="_compute_privacy_blocked_count")
    privacy_no_consent_count = fields.Integer(
        string="Excluded (No Consent)",
        compute="_compute_privacy_no_consent_count",
        help="Recipients not sent to because they did not consent to this direct marketing.",
    )

    @api.model
    def _crm_privacy_partner_field(self, model_name):
        """Field linking the recipients of ``model_name`` to their customer.

        Later modules extend the mapping for their own mailing models.
        """
        return {"res.partner": "id", "crm.lead": "partner_id"}.get(model_name)

    @api.depends("mailing_model_real")
    def _compute_privacy_direct_marketing(self):
        for mailing in self:
            mailing.privacy_direct_marketing = bool(
                mailing.mailing_model_real
                and self._crm_privacy_partner_field(mailing.mailing_model_real)
            )

    @api.depends("mailing_model_real", "privacy_direct_marketing", "mailing_type")
    def _compute_privacy_scoped(self):
        for mailing in self:
            mailing.privacy_scoped = bool(
                mailing.privacy_direct_marketing
                and mailing.mailing_type in MAILING_CHANNELS
                and mailing.mailing_model_real
                and self._crm_privacy_partner_field(mailing.mailing_model_real)
            )

    def _compute_privacy_blocked_count(self):
        data = (
            self.env["crm.privacy.blocked.send"]
            .sudo()
            ._read_group([("mailing_id", "in", self.ids)], ["mailing_id"], ["__count"])
        )
        counts = {mailing.id: count for mailing, count in data}
        for mailing in self:
            mailing.privacy_blocked_count = counts.get(mailing.id, 0)

    def _compute_privacy_no_consent_count(self):
        data = (
            self.env["mailing.trace"]
            .sudo()
            ._read_group(
                [
                    ("mass_mailing_id", "in", self.ids),
                    ("failure_type", "in", list(NO_CONSENT_FAILURES.values())),
                ],
                ["mass_mailing_id"],
                ["__count"],
            )
        )
        counts = {mailing.id: count for mailing, count in data}
        for mailing in self:
            mailing.privacy_no_consent_count = counts.get(mailing.id, 0)

    # ------------------------------------------------------------------
    # Who may declare a customer mailing a service message
    # ------------------------------------------------------------------

    def _crm_privacy_check_service_flag(self, vals_list):
        if self.env.su or self.env.user.has_group("crm_privacy_pdpo.group_privacy_officer"):
            return
        if any(
            "privacy_direct_marketing" in vals and not vals["privacy_direct_marketing"]
            for vals in vals_list
        ):
            customer = self.filtered(
                lambda m: self._crm_privacy_partner_field(m.mailing_model_real)
            )
            if customer:
                raise AccessError(
                    _(
                        "Only a privacy officer can mark a mailing to customers as a service "
                        "message: direct marketing needs the customers' consent (PDPO Part 6A)."
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        mailings = super().create(vals_list)
        mailings._crm_privacy_check_service_flag(vals_list)
        return mailings

    def write(self, vals):
        res = super().write(vals)
        self._crm_privacy_check_service_flag([vals])
        return res

    # ------------------------------------------------------------------
    # The marketing purpose is required before a direct-marketing mailing
    # is queued or scheduled (the buttons of the form). Code that sends
    # directly still reaches no customer without one: each gets a trace
    # saying why (_crm_privacy_failure_reason).
    # ------------------------------------------------------------------

    def _crm_privacy_check_purpose(self):
        missing = self.filtered(lambda m: m.privacy_scoped and not m.privacy_purpose_id)
        if missing:
            raise UserError(
                _(
                    "Choose the marketing purpose of %(mailings)s before sending it: a "
                    "direct-marketing mailing only reaches the customers who consented to "
                    "its purpose (PDPO Part 6A).",
                    mailings=", ".join(missing.mapped("display_name")),
                )
            )

    def action_put_in_queue(self):
        self._crm_privacy_check_purpose()
        return super().action_put_in_queue()

    def action_schedule(self):
        self._crm_privacy_check_purpose()
        return super().action_schedule()

    # ------------------------------------------------------------------
    # Consent filtering
    # ------------------------------------------------------------------

    def _crm_privacy_split_recipients(self, res_ids):
        """Split ``res_ids`` into (allowed ids, {excluded id: (partner id, reason)}).

        Blacklisted recipients stay allowed: Odoo cancels them with its own
        blacklist failure type, which says more than "no consent".
        """
        self.ensure_one()
        if not self.privacy_scoped or not res_ids:
            return list(res_ids or []), {}
        fname = self._crm_privacy_partner_field(self.mailing_model_real)
        channel = MAILING_CHANNELS[self.mailing_type]
        records = self.env[self.mailing_model_real].sudo().browse(res_ids)
        bl_field = BLACKLIST_FIELDS[self.mailing_type]
        blacklisted = set(records.filtered(bl_field).ids) if bl_field in records._fields else set()
        partner_of = {rec.id: (rec.id if fname == "id" else rec[fname].id) for rec in records}
        consenting = set()
        if self.privacy_purpose_id:
            Partner = self.env["res.partner"]
            consenting = set(
                Partner._crm_filter_consenting(
                    Partner.browse({pid for pid in partner_of.values() if pid}),
                    self.privacy_purpose_id,
                    channel,
                ).ids
            )
        allowed, excluded = [], {}
        for rid in res_ids:
            pid = partner_of.get(rid)
            if rid in blacklisted or (pid and pid in consenting):
                allowed.append(rid)
            else:
                excluded[rid] = (pid, "no_consent" if pid else "no_partner")
        return allowed, excluded

    def _crm_privacy_failure_reason(self, reason):
        if not self.privacy_purpose_id:
            return _("No marketing purpose is set on this direct-marketing mailing.")
        if reason == "no_partner":
            return _("The recipient is not linked to an identified customer.")
        return _(
            "No current consent to %(purpose)s by %(channel)s (PDPO Part 6A).",
            purpose=self.privacy_purpose_id.display_name,
            channel=MAILING_CHANNELS[self.mailing_type],
        )

    def _crm_privacy_exclude(self, res_ids):
        """Allowed part of ``res_ids``; the others get a cancelled trace saying why
        (once per mailing and recipient) and a blocked-send log entry."""
        self.ensure_one()
        allowed, excluded = self._crm_privacy_split_recipients(res_ids)
        if not excluded:
            return allowed
        Trace = self.env["mailing.trace"].sudo()
        traced = set(
            Trace.search(
                [
                    ("mass_mailing_id", "=", self.id),
                    ("model", "=", self.mailing_model_real),
                    ("res_id", "in", list(excluded)),
                ]
            ).mapped("res_id")
        )
        new = {rid: val for rid, val in excluded.items() if rid not in traced}
        if not new:
            return allowed
        records = self.env[self.mailing_model_real].sudo().browse(list(new))
        is_sms = self.mailing_type == "sms"
        email_field = records._mail_get_primary_email_field()
        number_fields = (
            ["phone_sanitized"]
            if "phone_sanitized" in records._fields
            else [f for f in records._phone_get_number_fields() if f in records._fields]
        )
        trace_vals = []
        for rec in records:
            vals = {
                "trace_type": self.mailing_type,
                "mass_mailing_id": self.id,
                "model": self.mailing_model_real,
                "res_id": rec.id,
                "trace_status": "cancel",
                "failure_type": NO_CONSENT_FAILURES[self.mailing_type],
                "failure_reason": self._crm_privacy_failure_reason(new[rec.id][1]),
            }
            if is_sms:
                vals["sms_number"] = next((rec[f] for f in number_fields if rec[f]), False)
            elif email_field:
                vals["email"] = rec[email_field]
            trace_vals.append(vals)
        Trace.create(trace_vals)
        self._crm_privacy_log_blocked(new)
        return allowed

    def _crm_privacy_log_blocked(self, blocked):
        self.ensure_one()
        if not blocked:
            return
        Blocked = self.env["crm.privacy.blocked.send"].sudo()
        already = set(Blocked.search([("mailing_id", "=", self.id)]).mapped("res_id"))
        Blocked.create(
            [
                {
                    "mailing_id": self.id,
                    "partner_id": pid,
                    "res_model": self.mailing_model_real,
                    "res_id": rid,
                    "channel": MAILING_CHANNELS[self.mailing_type],
                    "purpose_id": self.privacy_purpose_id.id,
                    "reason": reason,
                }
                for rid, (pid, reason) in blocked.items()
                if rid not in already
            ]
        )

    def _get_remaining_recipients(self):
        """Remaining recipients who may receive the mailing; the others are traced."""
        res_ids = super()._get_remaining_recipients()
        if self.privacy_scoped:
            return self._crm_privacy_exclude(res_ids)
        return res_ids

    def _crm_privacy_mark_done(self):
        self.write(
            {
                "state": "done",
                "sent_date": fields.Datetime.now(),
                "kpi_mail_required": not self.sent_date,
            }
        )

    def _action_send_mail(self, res_ids=None):
        scoped = self.filtered("privacy_scoped")
        for mailing in scoped:
            allowed = (
                mailing._crm_privacy_exclude(res_ids)
                if res_ids
                else mailing._get_remaining_recipients()
            )
            # the count is computed (not stored): read it after the new traces
            mailing.invalidate_recordset(["privacy_no_consent_count"])
            if allowed:
                super(MailingMailing, mailing)._action_send_mail(res_ids=allowed)
            elif mailing.privacy_no_consent_count:
                # everyone was excluded, with a trace each: the mailing is done
                mailing._crm_privacy_mark_done()
            else:
                super(MailingMailing, mailing)._action_send_mail(res_ids=res_ids)
        return super(MailingMailing, self - scoped)._action_send_mail(res_ids=res_ids)

    def action_send_sms(self, res_ids=None):
        if res_ids:
            for mailing in self:
                allowed = mailing._crm_privacy_exclude(res_ids)
                if allowed:
                    super(MailingMailing, mailing).action_send_sms(res_ids=allowed)
            return True
        return super().action_send_sms(res_ids=res_ids)

    def action_view_privacy_blocked(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Blocked Recipients"),
            "res_model": "crm.privacy.blocked.send",
            "view_mode": "list,form",
            "domain": [("mailing_id", "=", self.id)],
        }

    def action_view_privacy_no_consent(self):
        self.ensure_one()
        action = self._action_view_traces_filtered("canceled")
        action["domain"] = [
            ("mass_mailing_id", "=", self.id),
            ("failure_type", "in", list(NO_CONSENT_FAILURES.values())),
        ]
        action["name"] = _("Excluded: No Consent")
        return action
