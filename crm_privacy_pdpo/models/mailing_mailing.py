from odoo import _, api, fields, models
from odoo.exceptions import UserError

# mailing_type -> consent channel
MAILING_CHANNELS = {"mail": "email", "sms": "sms"}


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    privacy_purpose_id = fields.Many2one(
        "crm.privacy.marketing.purpose",
        string="Marketing Purpose",
        ondelete="restrict",
        help="Only customers who consented to this purpose on the mailing's channel "
        "receive it (PDPO Part 6A). Required for mailings to contacts and leads.",
    )
    privacy_scoped = fields.Boolean(
        compute="_compute_privacy_scoped",
        help="Recipients are customers: direct-marketing consent is checked.",
    )
    privacy_blocked_count = fields.Integer(compute="_compute_privacy_blocked_count")

    @api.model
    def _crm_privacy_partner_field(self, model_name):
        """Field linking the recipients of ``model_name`` to their customer.

        Later modules extend the mapping for their own mailing models.
        """
        return {"res.partner": "id", "crm.lead": "partner_id"}.get(model_name)

    @api.depends("mailing_model_real")
    def _compute_privacy_scoped(self):
        for mailing in self:
            mailing.privacy_scoped = bool(
                mailing.mailing_model_real
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

    def _crm_privacy_check_purpose(self):
        for mailing in self:
            if mailing.privacy_scoped and not mailing.privacy_purpose_id:
                raise UserError(
                    _(
                        "Set the marketing purpose of mailing %(mailing)s: customers only receive "
                        "direct marketing they consented to (PDPO Part 6A).",
                        mailing=mailing.subject or mailing.display_name,
                    )
                )

    def _crm_privacy_split_recipients(self, res_ids):
        """Split ``res_ids`` into (allowed ids, {blocked id: (partner id, reason)})."""
        self.ensure_one()
        fname = self._crm_privacy_partner_field(self.mailing_model_real)
        channel = MAILING_CHANNELS.get(self.mailing_type)
        if not fname or not channel or not res_ids:
            return list(res_ids or []), {}
        if not self.privacy_purpose_id:
            return [], {rid: (False, "no_consent") for rid in res_ids}
        records = self.env[self.mailing_model_real].sudo().browse(res_ids)
        partner_of = {rec.id: (rec.id if fname == "id" else rec[fname].id) for rec in records}
        Partner = self.env["res.partner"]
        consenting = set(
            Partner._crm_filter_consenting(
                Partner.browse({pid for pid in partner_of.values() if pid}),
                self.privacy_purpose_id,
                channel,
            ).ids
        )
        allowed, blocked = [], {}
        for rid in res_ids:
            pid = partner_of.get(rid)
            if pid and pid in consenting:
                allowed.append(rid)
            else:
                blocked[rid] = (pid, "no_consent" if pid else "no_partner")
        return allowed, blocked

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

    def _get_recipients(self):
        res_ids = super()._get_recipients()
        if not self.privacy_scoped:
            return res_ids
        allowed, _blocked = self._crm_privacy_split_recipients(res_ids)
        return allowed

    def _get_remaining_recipients(self):
        """Remaining recipients, without the customers who did not consent (logged)."""
        res_ids = super()._get_remaining_recipients()
        if self.privacy_scoped:
            all_ids = super()._get_recipients()
            _allowed, blocked = self._crm_privacy_split_recipients(all_ids)
            self._crm_privacy_log_blocked(blocked)
        return res_ids

    def _action_send_mail(self, res_ids=None):
        self._crm_privacy_check_purpose()
        if res_ids:
            for mailing in self.filtered("privacy_scoped"):
                allowed, blocked = mailing._crm_privacy_split_recipients(res_ids)
                mailing._crm_privacy_log_blocked(blocked)
                if not allowed:
                    raise UserError(
                        _("None of the selected recipients consented to this direct marketing.")
                    )
                super(MailingMailing, mailing)._action_send_mail(res_ids=allowed)
            others = self.filtered(lambda m: not m.privacy_scoped)
            return super(MailingMailing, others)._action_send_mail(res_ids=res_ids)
        return super()._action_send_mail(res_ids=res_ids)

    def action_put_in_queue(self):
        self._crm_privacy_check_purpose()
        return super().action_put_in_queue()

    def action_launch(self):
        self._crm_privacy_check_purpose()
        return super().action_launch()

    def action_view_privacy_blocked(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Blocked Recipients"),
            "res_model": "crm.privacy.blocked.send",
            "view_mode": "list,form",
            "domain": [("mailing_id", "=", self.id)],
        }
