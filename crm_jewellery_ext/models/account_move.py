from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    last_reminder_stage = fields.Char(compute="_compute_last_reminder_stage")

    def _compute_last_reminder_stage(self):
        stages = self.env["crm.jewellery.reminder.log"]._last_stages(self)
        for move in self:
            move.last_reminder_stage = stages.get(move.id, False)

    def action_remind_now(self):
        """Remind Now: send the payment reminder of an unpaid invoice now
        (button; also over XML-RPC; see crm.jewellery.reminder.log.remind_now)."""
        return self.env["crm.jewellery.reminder.log"]._remind_now_action(self)

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        self._check_abnormal(posted)
        return posted

    def _check_abnormal(self, moves):
        """On-post check: the invoice rules run on the moves just posted
        (customer invoices, refunds and the entries of cash payments)."""
        if not moves:
            return
        rules = self.env["crm.jewellery.abnormal.rule"].sudo().search([])
        if rules:
            rules._scan(move_ids=moves.ids)
