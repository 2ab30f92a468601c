"""18.0.1.6.0 brings Odoo's Point of Sale, and with it pos_sale (installed
by itself beside sale), whose stored ``sale_order.amount_unpaid`` Odoo would
compute in Python for every existing order: over 40 minutes for 4.7 million
orders. The same figure, set-based, before pos_sale is installed: the order
total less its invoices that are not cancelled (no POS payment exists yet).
Odoo then finds the column filled and leaves it."""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'sale_order' AND column_name = 'amount_unpaid'"
        )
    )
    if cr.fetchone():
        return  # pos_sale is installed already
    cr.execute(SQL(SALE_ORDER_AMOUNT_UNPAID))


# pos_sale's _compute_amount_unpaid: amount_total minus the price_total of
# the distinct invoice lines of the order's (non-section) lines whose entry
# is not cancelled
SALE_ORDER_AMOUNT_UNPAID = """
    ALTER TABLE sale_order ADD COLUMN amount_unpaid numeric;
    UPDATE sale_order SET amount_unpaid = amount_total;
    WITH invoiced AS (
        SELECT order_id, SUM(price_total) AS amount
          FROM (SELECT DISTINCT sol.order_id, aml.id, aml.price_total
                  FROM sale_order_line sol
                  JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = sol.id
                  JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                 WHERE sol.display_type IS NULL AND aml.parent_state != 'cancel') lines
         GROUP BY order_id
    )
    UPDATE sale_order so
       SET amount_unpaid = so.amount_total - invoiced.amount
      FROM invoiced
     WHERE invoiced.order_id = so.id
"""
