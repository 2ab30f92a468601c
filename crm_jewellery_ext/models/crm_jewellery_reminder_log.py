import datetime

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.reminders import LOOKAHEAD_DAYS, STAGES, stage_to_send

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

    _sql_constraints = [
        (
            "stage_uniq",
            "unique(res_model, res_id, stage)",
            "This reminder stage was already sent for this document.",
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
