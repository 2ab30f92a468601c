"""18.0.1.7.0 records where each sale was made (issue 21): the sales channel of
sale orders (``sale_order.crm_sales_channel``), of the sales events
(``crm_sales_event.sales_channel``) and the revenue per channel of customer
profit. Existing data gets them set-based, a statement per table, with the
rules of models/crm_team.py:

- orders: their team's channel, else online on the online-store branch and
  in store elsewhere (the column itself is created and filled that way by
  ``sale.order._auto_init``, so the ORM never computes millions of orders;
  here only what is still empty);
- events: in store for the Point of Sale, the order's channel for an
  order's steps, the team's channel or in store for an invoice without an
  order, the team's channel (or none) for a lead's steps;
- customer profit: the revenue of each channel and the main channel of
  every record, from its events.

Safe to run twice: only empty channels are set, and the profit figures are
recomputed from the events."""

import logging

from odoo import SUPERUSER_ID, api

from odoo.addons.crm_retail_compile.models.sale_order import backfill_order_channels

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    orders = backfill_order_channels(cr)
    env["sale.order"].invalidate_model(["crm_sales_channel"])
    events = env["crm.sales.event"]._backfill_channels()
    profit = env["crm.customer.profit"]._backfill_channels()
    _logger.info(
        "Sales channels: %s orders, %s events and %s profit records set", orders, events, profit
    )
