import datetime

from odoo import _, api, models

CLOSED_REPAIR_STATUSES = ("collected", "cancelled")
CLOSED_ORDER_STATES = ("collected", "cancelled")


class CrmRetailHome(models.AbstractModel):
    """Jewellery cards on the counter's home page: repairs, custom orders
    and anniversaries of the user's branches."""

    _inherit = "crm.retail.home"

    @api.model
    def _home_cards_staff(self):
        cards = super()._home_cards_staff()
        today = self._home_today()
        week_end = today + datetime.timedelta(days=7)
        open_repair = [("customer_status", "not in", CLOSED_REPAIR_STATUSES)]
        open_order = [("state", "not in", CLOSED_ORDER_STATES)]
        cards += [
            self._home_card(
                "repairs_open",
                _("Open repairs"),
                "repair.order",
                open_repair,
                subtitle=_("received, in the workshop or ready"),
            ),
            self._home_card(
                "repairs_ready",
                _("Repairs ready for collection"),
                "repair.order",
                [("customer_status", "=", "ready")],
                subtitle=_("call the customer"),
                severity="info",
            ),
            self._home_card(
                "custom_orders_open",
                _("Open custom orders"),
                "crm.jewellery.custom.order",
                open_order,
            ),
            self._home_card(
                "custom_orders_due",
                _("Custom orders due this week"),
                "crm.jewellery.custom.order",
                open_order
                + [
                    ("state", "!=", "ready"),
                    ("ready_date", "!=", False),
                    ("ready_date", "<=", week_end),
                ],
                subtitle=_("promised ready within 7 days or late"),
                severity="warning",
            ),
            self._home_card(
                "anniversaries_today",
                _("Anniversaries today"),
                "crm.jewellery.anniversary",
                self._home_day_domain("anniversary_month", "anniversary_day", [today]),
                severity="info",
            ),
            self._home_card(
                "anniversaries_week",
                _("Anniversaries this week"),
                "crm.jewellery.anniversary",
                self._home_day_domain("anniversary_month", "anniversary_day", self._home_week()),
                subtitle=_("next 7 days"),
            ),
        ]
        return cards
