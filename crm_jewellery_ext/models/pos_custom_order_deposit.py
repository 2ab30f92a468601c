import textwrap

from odoo import api, models
from odoo.tools import html2plaintext

OPEN_EXCLUDED_STATES = ("cancelled", "collected")
DESCRIPTION_LENGTH = 80


class CrmJewelleryCustomOrder(models.Model):
    """A deposit at the till: the cashier lists the open custom orders of the
    customer of the POS order and adds a line of the deposit product naming
    one of them (``pos.order.line.custom_order_id``)."""

    _inherit = "crm.jewellery.custom.order"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def crm_pos_deposit_orders(self, config_id, partner_id):
        """The open custom orders (not cancelled or collected) of the
        customer ``partner_id`` that the cashier may read (branch rules), for
        the till ``config_id``: reference, description, total, paid and
        balance, and the product a deposit line is made of."""
        Partner = self.env["res.partner"]
        # a Retail CRM role and the POS, a till of the cashier's branches,
        # a customer the cashier may read: the same refusals as the till's
        # customer search
        config, _branch = Partner._crm_pos_till(config_id)
        partner = Partner._crm_pos_customer(partner_id)
        orders = self.search(
            [
                ("partner_id.commercial_partner_id", "=", partner.commercial_partner_id.id),
                ("state", "not in", OPEN_EXCLUDED_STATES),
            ],
            order="id",
        )
        states = dict(self._fields["state"]._description_selection(self.env))
        product = self.env.ref(
            "crm_jewellery_ext.product_custom_order_deposit", raise_if_not_found=False
        )
        return {
            "product_id": product.id if product else False,
            "currency_id": config.currency_id.id,
            "orders": [
                {
                    "id": order.id,
                    "name": order.name,
                    "description": textwrap.shorten(
                        html2plaintext(order.design_description or "")
                        or order.product_id.display_name
                        or "",
                        DESCRIPTION_LENGTH,
                        placeholder="…",
                    ),
                    "state": states.get(order.state, order.state),
                    "total": order.service_amount,
                    "paid": order.amount_paid,
                    "balance": order.balance,
                }
                for order in orders
            ],
        }
