from odoo import fields, models


class PosSession(models.Model):
    _inherit = "pos.session"

    # The branch rule of sessions (security XML): the branch of the till
    retail_branch_id = fields.Many2one(
        related="config_id.retail_branch_id", store=True, index=True, string="Branch"
    )

    def _validate_session(
        self, balancing_account=False, amount_to_balance=0, bank_payment_method_diffs=None
    ):
        # the orders are posted and their costs valued: recorded once after
        Event = self.env["crm.sales.event"]
        Event._hold_pos_events(1)
        try:
            return super()._validate_session(
                balancing_account=balancing_account,
                amount_to_balance=amount_to_balance,
                bank_payment_method_diffs=bank_payment_method_diffs,
            )
        finally:
            Event._hold_pos_events(-1)
