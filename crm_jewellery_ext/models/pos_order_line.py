from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare


class PosOrderLine(models.Model):
    """A line of a POS order can be a deposit (or any payment) toward a
    custom jewellery order: when the POS order is paid, its amount (taxes
    included) counts toward the custom order's paid amount and balance."""

    _inherit = "pos.order.line"

    custom_order_id = fields.Many2one(
        "crm.jewellery.custom.order",
        index="btree_not_null",
        ondelete="restrict",
        help="The custom order this line is a deposit or payment for.",
    )
    # set once the amount counted toward the custom order (system-set)
    custom_order_counted = fields.Boolean(readonly=True, copy=False, crm_system=True)

    @api.model_create_multi
    def create(self, vals_list):
        # a refund of a deposit line pays it back on the same custom order
        refunded = self.browse(
            [
                vals["refunded_orderline_id"]
                for vals in vals_list
                if vals.get("refunded_orderline_id") and not vals.get("custom_order_id")
            ]
        )
        orders = {line.id: line.custom_order_id.id for line in refunded if line.custom_order_id}
        for vals in vals_list:
            if vals.get("refunded_orderline_id") in orders and not vals.get("custom_order_id"):
                vals["custom_order_id"] = orders[vals["refunded_orderline_id"]]
        return super().create(vals_list)

    @api.model
    def _load_pos_data_fields(self, config_id):
        # the till sends the custom order a deposit line pays (sync_from_ui)
        return [*super()._load_pos_data_fields(config_id), "custom_order_id"]

    @api.constrains("custom_order_id", "order_id")
    def _check_custom_order_customer(self):
        for line in self.filtered("custom_order_id"):
            order = line.custom_order_id
            partner = line.order_id.partner_id.commercial_partner_id
            if order.partner_id.commercial_partner_id != partner:
                raise ValidationError(
                    _(
                        "A payment toward custom order %(order)s must be made by its customer "
                        "(%(customer)s): set the customer on the POS order.",
                        order=order.name,
                        customer=order.partner_id.display_name,
                    )
                )
            if line.qty > 0 and (
                float_compare(
                    line.price_subtotal_incl,
                    order.balance,
                    precision_rounding=order.service_currency_id.rounding,
                )
                > 0
            ):
                raise ValidationError(
                    _(
                        "A payment of %(amount)s toward custom order %(order)s is more than its "
                        "balance of %(balance)s.",
                        amount=order.service_currency_id.format(line.price_subtotal_incl),
                        order=order.name,
                        balance=order.service_currency_id.format(order.balance),
                    )
                )
            if order.state in ("cancelled", "collected") and line.qty > 0:
                raise ValidationError(
                    _(
                        "Custom order %(order)s is cancelled or collected: it takes no more "
                        "payments.",
                        order=order.name,
                    )
                )

    @api.model
    def _count_custom_order_payments(self, pos_orders):
        """Add the deposit lines of the paid ``pos_orders`` to their custom
        orders' paid amount, once (a refund line takes its amount back)."""
        lines = self.sudo().search(
            [
                ("order_id", "in", pos_orders.ids),
                ("order_id.state", "in", ("paid", "done", "invoiced")),
                ("custom_order_id", "!=", False),
                ("custom_order_counted", "=", False),
            ]
        )
        if not lines:
            return
        paid = {}
        dates = {}
        for line in lines:
            order = line.custom_order_id
            paid[order] = paid.get(order, 0.0) + line.price_subtotal_incl
            dates[order] = max(dates.get(order, line.order_id.date_order), line.order_id.date_order)
        lines._crm_system_write().write({"custom_order_counted": True})
        for order, amount in paid.items():
            order.sudo().write(
                {
                    "amount_paid": order.amount_paid + amount,
                    "payment_date": fields.Date.context_today(self, dates[order]),
                }
            )
            order.sudo().message_post(
                body=_(
                    "%(amount)s paid at the point of sale.",
                    amount=order.service_currency_id.format(amount),
                )
            )
