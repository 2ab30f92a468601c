import datetime

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..lib.abnormal import RULES

RULE_CODES = [
    ("discount", "Discount above threshold"),
    ("below_cost", "Price below cost"),
    ("invoice_vs_order", "Invoice differs from its order"),
    ("double_invoice", "Second invoice for the same order"),
    ("refund", "Refund above threshold"),
    ("overdue", "Overdue beyond N days"),
    ("cash_cdd", "Cash transaction needing due diligence"),
]

# The branch of an invoice: the branch of its sale order, else the
# customer's home branch.
_INVOICE_BRANCH = SQL(
    """COALESCE((
        SELECT so.retail_branch_id
          FROM account_move_line bl
          JOIN sale_order_line_invoice_rel br ON br.invoice_line_id = bl.id
          JOIN sale_order_line bsol ON bsol.id = br.order_line_id
          JOIN sale_order so ON so.id = bsol.order_id
         WHERE bl.move_id = m.id AND so.retail_branch_id IS NOT NULL
         LIMIT 1), p.retail_branch_id)"""
)

# posted customer invoices and the (non down-payment) orders they invoice
_INVOICED_ORDERS = SQL(
    """SELECT DISTINCT im.id AS move_id, isol.order_id
         FROM account_move im
         JOIN account_move_line il ON il.move_id = im.id
         JOIN sale_order_line_invoice_rel ir ON ir.invoice_line_id = il.id
         JOIN sale_order_line isol ON isol.id = ir.order_line_id
        WHERE im.move_type = 'out_invoice' AND im.state = 'posted'
          AND isol.is_downpayment IS NOT TRUE"""
)


class CrmJewelleryAbnormalRule(models.Model):
    """A rule that flags abnormal invoices, orders or payments for review.

    Each rule code has one set-based query; the thresholds are data, so the
    rules are tuned without code. Scans are idempotent: a record is flagged
    once per rule, whatever the outcome of its review.
    """

    _name = "crm.jewellery.abnormal.rule"
    _description = "Abnormal Invoice Rule"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(RULE_CODES, required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    threshold_percent = fields.Float(string="Threshold (%)", tracking=True)
    threshold_amount = fields.Monetary(currency_field="currency_id", tracking=True)
    threshold_days = fields.Integer(string="Threshold (Days)", tracking=True)
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id, required=True
    )
    description = fields.Text(translate=True)
    case_count = fields.Integer(compute="_compute_case_count")

    _sql_constraints = [("code_uniq", "unique(code)", "There is one rule per code.")]

    def _compute_case_count(self):
        counts = dict(
            self.env["crm.jewellery.abnormal.case"]._read_group(
                [("rule_id", "in", self.ids), ("state", "=", "open")], ["rule_id"], ["__count"]
            )
        )
        for rule in self:
            rule.case_count = counts.get(rule, 0)

    @api.onchange("code")
    def _onchange_code(self):
        defaults = RULES.get(self.code, {})
        self.threshold_percent = defaults.get("threshold_percent", 0.0)
        self.threshold_amount = defaults.get("threshold_amount", 0.0)
        self.threshold_days = defaults.get("threshold_days", 0)

    # ------------------------------------------------------------------
    # Scan
    # ------------------------------------------------------------------

    @api.model
    def _cron_scan(self):
        return self.search([])._scan()

    def action_scan(self):
        cases = self._scan()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": _("%(count)s new case(s) to review.", count=len(cases)),
                "type": "info",
                "sticky": False,
            },
        }

    def _scan(self, move_ids=None):
        """Flag what each rule finds (only in ``move_ids`` when given: the
        on-post check); return the new cases."""
        self.env.flush_all()
        today = fields.Date.context_today(self)
        rows = []
        for rule in self:
            query = getattr(rule, f"_query_{rule.code}")(today, move_ids)
            if query is None:
                continue
            rows += [(rule, *row) for row in self.env.execute_query(query)]
        return self.env["crm.jewellery.abnormal.case"]._create_from_rows(rows)

    def _not_flagged(self, model, id_sql):
        return SQL(
            """NOT EXISTS (SELECT 1 FROM crm_jewellery_abnormal_case c
                            WHERE c.rule_id = %s AND c.res_model = %s AND c.res_id = %s)""",
            self.id,
            model,
            id_sql,
        )

    @staticmethod
    def _move_filter(move_ids, column):
        if move_ids is None:
            return SQL("TRUE")
        return SQL("%s = ANY(%s)", column, list(move_ids))

    def _query_discount(self, today, move_ids):
        invoices = SQL(
            """SELECT 'account.move', m.id, m.partner_id, %(branch)s, m.amount_total,
                      MAX(l.discount)
                 FROM account_move m
                 JOIN account_move_line l ON l.move_id = m.id AND l.display_type = 'product'
                 LEFT JOIN res_partner p ON p.id = m.partner_id
                WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
                  AND l.discount > %(pct)s AND %(moves)s AND %(new)s
             GROUP BY m.id, p.retail_branch_id""",
            branch=_INVOICE_BRANCH,
            pct=self.threshold_percent,
            moves=self._move_filter(move_ids, SQL("m.id")),
            new=self._not_flagged("account.move", SQL("m.id")),
        )
        if move_ids is not None:
            return invoices
        orders = SQL(
            """SELECT 'sale.order', so.id, so.partner_id, so.retail_branch_id, so.amount_total,
                      MAX(sol.discount)
                 FROM sale_order so
                 JOIN sale_order_line sol ON sol.order_id = so.id
                WHERE so.state = 'sale' AND sol.display_type IS NULL
                  AND sol.discount > %(pct)s AND %(new)s
             GROUP BY so.id""",
            pct=self.threshold_percent,
            new=self._not_flagged("sale.order", SQL("so.id")),
        )
        return SQL("%s UNION ALL %s", invoices, orders)

    def _query_below_cost(self, today, move_ids):
        if move_ids is not None:
            return None
        return SQL(
            """SELECT 'sale.order', so.id, so.partner_id, so.retail_branch_id, so.amount_total,
                      SUM((sol.purchase_price - sol.price_reduce_taxexcl) * sol.product_uom_qty)
                 FROM sale_order so
                 JOIN sale_order_line sol ON sol.order_id = so.id
                WHERE so.state = 'sale' AND sol.display_type IS NULL
                  AND sol.is_downpayment IS NOT TRUE
                  AND sol.purchase_price > 0 AND sol.price_reduce_taxexcl < sol.purchase_price
                  AND %(new)s
             GROUP BY so.id""",
            new=self._not_flagged("sale.order", SQL("so.id")),
        )

    def _query_invoice_vs_order(self, today, move_ids):
        return SQL(
            """WITH inv AS (%(inv)s),
                    one_invoice AS (SELECT order_id FROM inv GROUP BY order_id
                                    HAVING COUNT(*) = 1),
                    one_order AS (SELECT move_id FROM inv GROUP BY move_id HAVING COUNT(*) = 1)
               SELECT 'account.move', m.id, m.partner_id, so.retail_branch_id, m.amount_total,
                      so.amount_total
                 FROM inv
                 JOIN one_invoice USING (order_id)
                 JOIN one_order USING (move_id)
                 JOIN account_move m ON m.id = inv.move_id
                 JOIN sale_order so ON so.id = inv.order_id
                WHERE so.state = 'sale' AND %(moves)s AND %(new)s
                  AND ABS(so.amount_total - (
                        SELECT COALESCE(SUM(l.price_total), 0)
                          FROM account_move_line l
                          JOIN sale_order_line_invoice_rel r ON r.invoice_line_id = l.id
                          JOIN sale_order_line s ON s.id = r.order_line_id
                         WHERE l.move_id = m.id AND s.is_downpayment IS NOT TRUE
                      )) > %(tolerance)s""",
            inv=_INVOICED_ORDERS,
            moves=self._move_filter(move_ids, SQL("m.id")),
            new=self._not_flagged("account.move", SQL("m.id")),
            tolerance=self.threshold_amount,
        )

    def _query_double_invoice(self, today, move_ids):
        return SQL(
            """WITH inv AS (%(inv)s)
               SELECT DISTINCT 'account.move', m.id, m.partner_id, so.retail_branch_id,
                      m.amount_total, so.amount_total
                 FROM inv later
                 JOIN inv earlier ON earlier.order_id = later.order_id
                                 AND earlier.move_id < later.move_id
                 JOIN account_move m ON m.id = later.move_id
                 JOIN sale_order so ON so.id = later.order_id
                WHERE %(moves)s AND %(new)s""",
            inv=_INVOICED_ORDERS,
            moves=self._move_filter(move_ids, SQL("m.id")),
            new=self._not_flagged("account.move", SQL("m.id")),
        )

    def _query_refund(self, today, move_ids):
        return SQL(
            """SELECT 'account.move', m.id, m.partner_id, %(branch)s, m.amount_total,
                      m.amount_total
                 FROM account_move m
                 LEFT JOIN res_partner p ON p.id = m.partner_id
                WHERE m.move_type = 'out_refund' AND m.state = 'posted'
                  AND m.amount_total >= %(amount)s AND %(moves)s AND %(new)s""",
            branch=_INVOICE_BRANCH,
            amount=self.threshold_amount,
            moves=self._move_filter(move_ids, SQL("m.id")),
            new=self._not_flagged("account.move", SQL("m.id")),
        )

    def _query_overdue(self, today, move_ids):
        if move_ids is not None:
            return None
        return SQL(
            """SELECT 'account.move', m.id, m.partner_id, %(branch)s, m.amount_residual,
                      %(today)s - m.invoice_date_due
                 FROM account_move m
                 LEFT JOIN res_partner p ON p.id = m.partner_id
                WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
                  AND m.payment_state IN ('not_paid', 'partial')
                  AND m.invoice_date_due < %(limit)s AND %(new)s""",
            branch=_INVOICE_BRANCH,
            today=today,
            limit=today - datetime.timedelta(days=self.threshold_days),
            new=self._not_flagged("account.move", SQL("m.id")),
        )

    def _query_cash_cdd(self, today, move_ids):
        return SQL(
            """SELECT 'account.payment', pay.id, pay.partner_id, p.retail_branch_id,
                      ABS(pay.amount_company_currency_signed), pay.amount
                 FROM account_payment pay
                 JOIN account_journal j ON j.id = pay.journal_id
                 LEFT JOIN res_partner p ON p.id = pay.partner_id
                WHERE j.type = 'cash' AND pay.payment_type = 'inbound'
                  AND pay.partner_type = 'customer'
                  AND pay.state IN ('in_process', 'paid')
                  AND ABS(pay.amount_company_currency_signed) >= %(amount)s
                  AND %(moves)s AND %(new)s""",
            amount=self.threshold_amount,
            moves=self._move_filter(move_ids, SQL("pay.move_id")),
            new=self._not_flagged("account.payment", SQL("pay.id")),
        )
