import datetime

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..lib.reminders import LOOKAHEAD_DAYS, STAGES, current_stage, stage_to_send

REMIND_NOW_GROUP = "crm_retail_compile.group_branch_staff"

REMINDER_MODELS = [
    ("account.move", "Invoice"),
    ("crm.jewellery.custom.order", "Custom Order"),
]
TEMPLATES = {
    "account.move": "crm_jewellery_ext.mail_template_invoice_reminder",
    "crm.jewellery.custom.order": "crm_jewellery_ext.mail_template_custom_order_reminder",
}
SMS_TEMPLATES = {
    "account.move": "crm_jewellery_ext.sms_template_invoice_reminder",
    "crm.jewellery.custom.order": "crm_jewellery_ext.sms_template_custom_order_reminder",
}


class CrmJewelleryReminderLog(models.Model):
    """Which payment reminder stage was sent for which document: each stage
    goes out once."""

    _name = "crm.jewellery.reminder.log"
    _description = "Payment Reminder Log"
    _order = "id desc"

    # every field is set by the reminder job (crm_system)
    res_model = fields.Selection(
        REMINDER_MODELS, string="Document Type", required=True, readonly=True, crm_system=True
    )
    res_id = fields.Integer(
        string="Document ID", required=True, index=True, readonly=True, crm_system=True
    )
    partner_id = fields.Many2one(
        "res.partner", ondelete="cascade", index=True, readonly=True, crm_system=True
    )
    stage = fields.Selection(
        [(code, code) for code, _offset in STAGES], required=True, readonly=True, crm_system=True
    )
    due_date = fields.Date(readonly=True, crm_system=True)
    amount_due = fields.Float(readonly=True, crm_system=True)
    sent_date = fields.Date(
        default=fields.Date.context_today, required=True, readonly=True, crm_system=True
    )
    channel = fields.Char(readonly=True, crm_system=True)
    reminded_by_id = fields.Many2one(
        "res.users",
        string="Sent By",
        readonly=True,
        crm_system=True,
        help='Who sent it with "Remind Now"; empty: the daily reminder job.',
    )

    # the daily job sends each stage once (it skips stages already logged);
    # "Remind Now" may send the current stage again, but not twice a day
    _sql_constraints = [
        (
            "stage_uniq",
            "unique(res_model, res_id, stage, sent_date)",
            "This reminder stage was already sent for this document today.",
        )
    ]

    @api.model
    def _last_stages(self, records):
        """{id: latest stage sent} for ``records``."""
        logs = self.sudo().search(
            [("res_model", "=", records._name), ("res_id", "in", records.ids)], order="id"
        )
        return {log.res_id: log.stage for log in logs}

    @api.model
    def _cron_send_reminders(self):
        today = fields.Date.context_today(self)
        return self._send_reminders(today)

    @api.model
    def _send_reminders(self, today):
        """Send the due reminder stage of every unpaid document (one query to
        select them, one for the stages already sent)."""
        self.env.flush_all()
        horizon = today + datetime.timedelta(days=LOOKAHEAD_DAYS)
        rows = self.env.execute_query(
            SQL(
                """SELECT 'account.move', m.id, m.partner_id, m.invoice_date_due,
                          m.amount_residual
                     FROM account_move m
                    WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
                      AND m.payment_state IN ('not_paid', 'partial')
                      AND m.amount_residual > 0 AND m.invoice_date_due <= %(horizon)s
                   UNION ALL
                   SELECT 'crm.jewellery.custom.order', o.id, o.partner_id,
                          COALESCE(o.balance_due_date, o.ready_date), o.balance
                     FROM crm_jewellery_custom_order o
                    WHERE o.state NOT IN ('cancelled', 'quotation') AND o.balance > 0
                      AND COALESCE(o.balance_due_date, o.ready_date) <= %(horizon)s""",
                horizon=horizon,
            )
        )
        if not rows:
            return self.browse()
        sent = {}
        for res_model, res_id, stage in self.env.execute_query(
            SQL(
                """SELECT res_model, res_id, stage FROM crm_jewellery_reminder_log
                    WHERE (res_model = 'account.move' AND res_id = ANY(%s))
                       OR (res_model = 'crm.jewellery.custom.order' AND res_id = ANY(%s))""",
                [r[1] for r in rows if r[0] == "account.move"],
                [r[1] for r in rows if r[0] != "account.move"],
            )
        ):
            sent.setdefault((res_model, res_id), []).append(stage)
        vals_list = []
        for res_model, res_id, partner_id, due_date, amount in rows:
            stage = stage_to_send(due_date, today, sent.get((res_model, res_id), ()))
            if stage:
                vals_list.append(
                    {
                        "res_model": res_model,
                        "res_id": res_id,
                        "partner_id": partner_id,
                        "stage": stage,
                        "due_date": due_date,
                        "amount_due": amount,
                        "sent_date": today,
                    }
                )
        logs = self.sudo().create(vals_list)
        logs._deliver()
        return logs

    # ------------------------------------------------------------------
    # Remind now
    # ------------------------------------------------------------------
    @api.model
    def remind_now(self, res_model, res_ids):
        """Send the payment reminder of unpaid invoices or custom orders now
        (also over XML-RPC). Returns ``[{res_model, res_id, stage, channel,
        log_id}]``. Raises a UserError, sending nothing, when a document has
        nothing to remind (paid, cancelled, not confirmed), its customer
        cannot be reached by e-mail or SMS, or its stage already went out
        today; an AccessError for a user outside branch staff or a document
        the user may not read."""
        self._check_remind_now_group()
        if res_model not in TEMPLATES:
            raise UserError(_("Payment reminders are sent for invoices and custom orders only."))
        if not isinstance(res_ids, (list, tuple)) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in res_ids
        ):
            raise UserError(_("Give the documents as a list of ids."))
        records = self.env[res_model].browse(res_ids).exists()
        if len(records) != len(set(res_ids)):
            raise UserError(_("Unknown document."))
        logs = self._remind_now(records)
        return [
            {
                "res_model": log.res_model,
                "res_id": log.res_id,
                "stage": log.stage,
                "channel": log.channel or False,
                "log_id": log.id,
            }
            for log in logs
        ]

    @api.model
    def _check_remind_now_group(self):
        if not self.env.user.has_group(REMIND_NOW_GROUP):
            raise AccessError(_("Only branch staff can send payment reminders."))

    @api.model
    def _remind_now_action(self, records):
        """Remind Now button of a document: send, then say on which channel."""
        logs = self._remind_now(records)
        labels = {"email": _("e-mail"), "sms": _("SMS")}
        channels = sorted({labels.get(c, c) for c in logs.mapped("channel") if c})
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "Payment reminder sent by %(channel)s.", channel=", ".join(channels) or "-"
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _remind_now(self, records):
        """Check, log and deliver the current stage of each of ``records``
        (atomic: one refusal sends nothing)."""
        if not records:
            raise UserError(_("Nothing to remind."))
        self._check_remind_now_group()
        # the branch rules: only documents the user may read
        records.check_access("read")
        today = fields.Date.context_today(self)
        res_model = records._name
        # one "Remind Now" per document at a time (double clicks, two tabs)
        for res_id in sorted(records.ids):
            self.env.cr.execute(
                SQL("SELECT pg_advisory_xact_lock(hashtext(%s), %s)", res_model, res_id)
            )
        self.env.flush_all()
        sent_today = {
            (res_id, stage)
            for res_id, stage in self.env.execute_query(
                SQL(
                    """SELECT res_id, stage FROM crm_jewellery_reminder_log
                        WHERE res_model = %s AND res_id = ANY(%s) AND sent_date = %s""",
                    res_model,
                    records.ids,
                    today,
                )
            )
        }
        Service = self.env["crm.jewellery.service.mixin"]
        vals_list = []
        for rec in records.sudo():
            due_date, amount = self._reminder_balance(rec)
            partner = rec.partner_id
            if partner.crm_anonymised:
                raise UserError(_("%(doc)s: the customer was anonymised.", doc=rec.display_name))
            if Service._jewellery_channel(partner) == "call":
                raise UserError(
                    _(
                        "%(doc)s: %(customer)s has no e-mail address or mobile to remind, or "
                        "prefers not to be written to (%(channel)s): call them instead.",
                        doc=rec.display_name,
                        customer=partner.display_name,
                        channel=partner.preferred_contact_channel or "-",
                    )
                )
            # the stage reached today; before the first one, the earliest
            stage = current_stage(due_date, today) or STAGES[0][0]
            if (rec.id, stage) in sent_today:
                raise UserError(
                    _(
                        "%(doc)s: this payment reminder was already sent today.",
                        doc=rec.display_name,
                    )
                )
            vals_list.append(
                {
                    "res_model": res_model,
                    "res_id": rec.id,
                    "partner_id": partner.id,
                    "stage": stage,
                    "due_date": due_date,
                    "amount_due": amount,
                    "sent_date": today,
                    "reminded_by_id": self.env.uid,
                }
            )
        # checked above (group, branch rules, balance, channel): the log is
        # the job's, written as superuser
        logs = self.sudo().create(vals_list)
        logs._deliver()
        return logs

    @api.model
    def _reminder_balance(self, rec):
        """(due date, amount) of an unpaid document, as the daily job selects
        them; a UserError when there is nothing to remind."""
        if rec._name == "account.move":
            unpaid = (
                rec.move_type == "out_invoice"
                and rec.state == "posted"
                and rec.payment_state in ("not_paid", "partial")
                and rec.amount_residual > 0
            )
            due_date, amount = rec.invoice_date_due, rec.amount_residual
        else:
            unpaid = rec.state not in ("cancelled", "quotation") and rec.balance > 0
            due_date, amount = rec.balance_due_date or rec.ready_date, rec.balance
        if not unpaid:
            raise UserError(
                _(
                    "%(doc)s has no unpaid balance to remind (paid, cancelled or not "
                    "confirmed yet).",
                    doc=rec.display_name,
                )
            )
        if not rec.partner_id:
            raise UserError(_("%(doc)s has no customer to remind.", doc=rec.display_name))
        return due_date, amount

    def _deliver(self):
        """Send each reminder on the customer's channel (service message: no
        marketing consent needed)."""
        Service = self.env["crm.jewellery.service.mixin"]
        for res_model in {log.res_model for log in self}:
            for stage in {log.stage for log in self if log.res_model == res_model}:
                logs = self.filtered(
                    lambda g, m=res_model, s=stage: g.res_model == m and g.stage == s
                )
                records = self.env[res_model].sudo().browse(logs.mapped("res_id"))
                records.invalidate_recordset(["last_reminder_stage"])
                channels = Service._jewellery_send_notice(
                    records, TEMPLATES[res_model], SMS_TEMPLATES[res_model]
                )
                for channel, ids in channels.items():
                    logs.filtered(lambda g, i=set(ids): g.res_id in i).write({"channel": channel})
