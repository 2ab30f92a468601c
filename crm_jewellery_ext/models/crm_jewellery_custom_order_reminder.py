from odoo import models


class CrmJewelleryCustomOrder(models.Model):
    """Remind Now on a custom order with an unpaid balance (the reminder
    log decides and logs, see crm.jewellery.reminder.log.remind_now)."""

    _inherit = "crm.jewellery.custom.order"

    def action_remind_now(self):
        """Send the payment reminder now (button; also over XML-RPC)."""
        return self.env["crm.jewellery.reminder.log"]._remind_now_action(self)
