"""The sales channel of a sale: where it was made.

Every sale carries its own channel (``crm.sales.event.sales_channel``), set by
the suite from the document it records, never by a user:

- a POS order (Odoo's Point of Sale) is a sale in the shop: "In Store";
- a sale order carries ``sale.order.crm_sales_channel``: by default its sales
  team's channel (``crm.team.crm_sales_channel``), or, for a team without
  one, "Online" on the online-store branch and "In Store" elsewhere; the
  salesperson can change it on the order; orders recorded by the
  integration API take the call's ``channel`` (default "Online" on the
  online-store branch, "In Store" elsewhere, as the API's e-shop and shop
  clients sent them before);
- an invoice without a sale order (a direct sale): its sales team's channel,
  or "In Store";
- a lead or opportunity step: its sales team's channel, or none.

The customer's profile channel (``res.partner.retail_channel``: in store,
online or both) says where a customer buys; the sales channel says where one
sale was made, and is what reports group revenue by.
"""

from odoo import fields, models

SALES_CHANNELS = [
    ("store", "In Store"),
    ("online", "Online"),
    ("wholesale", "Wholesale"),
    ("phone", "Telephone"),
]
SALES_CHANNEL_CODES = tuple(code for code, _label in SALES_CHANNELS)


class CrmTeam(models.Model):
    _inherit = "crm.team"

    crm_sales_channel = fields.Selection(
        SALES_CHANNELS,
        string="Sales Channel",
        help="The channel of this team's sales: the default of its orders and of its "
        "invoices without an order. Empty: online on the online-store branch, in store "
        "elsewhere.",
    )
