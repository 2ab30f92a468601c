"""Category affinities (cross-selling rules) and each customer's next best
categories, computed set-based from the categories of the confirmed orders
and of the customers' online behaviour (weighted baskets: the formulas are
documented in lib/analytics/affinity.py and lib/analytics/online.py)."""

import datetime

from odoo import api, fields, models
from odoo.tools import SQL


class CrmCategoryAffinity(models.Model):
    _name = "crm.category.affinity"
    _description = "Product Category Affinity"
    _order = "lift desc, confidence desc, id"
    _rec_name = "antecedent_id"

    antecedent_id = fields.Many2one(
        "product.category",
        string="Bought",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    consequent_id = fields.Many2one(
        "product.category",
        string="Also Buy",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    support = fields.Float(
        readonly=True,
        digits=(16, 4),
        aggregator="avg",
        help="Share of customers who bought both categories.",
    )
    confidence = fields.Float(
        readonly=True,
        digits=(16, 4),
        aggregator="avg",
        help="Share of the buyers of the first category who also bought the second.",
    )
    lift = fields.Float(
        readonly=True,
        digits=(16, 4),
        aggregator="avg",
        help="Confidence divided by the share of all customers who bought the second "
        "category: above 1, buyers of the first category buy the second more often.",
    )
    customers = fields.Integer(
        readonly=True,
        help="Customers with both categories in their basket (bought, or browsed online).",
    )
    date = fields.Date(readonly=True)

    @api.model
    def _baskets_cte(self, date_from):
        """``baskets(pid, categ_id, w)``: the categories in each retail
        customer's basket with their weight: 1 when bought, else the online
        preference score (crm.online.preference, refreshed first)."""
        return SQL(
            """
            baskets AS (
                SELECT pid, categ_id, LEAST(1.0, MAX(w))::float8 AS w
                  FROM (
                    SELECT DISTINCT rp.commercial_partner_id AS pid, r.categ_id, 1.0::float8 AS w
                      FROM crm_sales_event e
                      JOIN crm_sales_event_product_category_rel r ON r.event_id = e.id
                      JOIN res_partner rp ON rp.id = e.partner_id
                      JOIN res_partner cp ON cp.id = rp.commercial_partner_id
                     WHERE e.event_type = 'order_confirmed' AND e.event_date >= %s
                       AND cp.is_retail_customer
                    UNION ALL
                    SELECT partner_id, categ_id, score
                      FROM crm_online_preference
                     WHERE score > 0
                  ) weighted
                 GROUP BY pid, categ_id
            )
            """,
            date_from,
        )

    @api.model
    def _refresh(self, min_customers=None, today=None):
        """Recompute all rules and the next best categories (two statements)."""
        Partner = self.env["res.partner"]
        Analytics = self.env["crm.customer.analytics"]
        today = today or Analytics._analytics_today()
        if min_customers is None:
            min_customers = Analytics._analytics_param("affinity_min_customers")
        window = Analytics._analytics_param("rfm_window_days")
        date_from = Analytics._analytics_utc(today - datetime.timedelta(days=window))
        self.env["crm.sales.event"].flush_model()
        Partner.flush_model(["commercial_partner_id", "is_retail_customer"])
        self.env["crm.online.preference"]._refresh(date_from)
        cr = self.env.cr
        cr.execute(SQL("DELETE FROM crm_category_affinity"))
        cr.execute(
            SQL(
                """
                WITH %(baskets)s,
                total AS (SELECT COUNT(DISTINCT pid)::float AS n FROM baskets),
                single AS (SELECT categ_id, SUM(w) AS n FROM baskets GROUP BY categ_id),
                pairs AS (
                    SELECT a.categ_id AS ante, b.categ_id AS cons,
                           SUM(LEAST(a.w, b.w)) AS n, COUNT(*) AS customers
                      FROM baskets a
                      JOIN baskets b ON b.pid = a.pid AND b.categ_id <> a.categ_id
                     GROUP BY a.categ_id, b.categ_id
                    HAVING COUNT(*) >= %(min)s
                )
                INSERT INTO crm_category_affinity (
                    antecedent_id, consequent_id, support, confidence, lift, customers, date,
                    create_uid, create_date, write_uid, write_date)
                SELECT p.ante, p.cons, p.n / t.n, p.n / sa.n, (p.n / sa.n) / (sc.n / t.n),
                       p.customers,
                       %(today)s, %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s,
                       NOW() AT TIME ZONE 'UTC'
                  FROM pairs p
                  CROSS JOIN total t
                  JOIN single sa ON sa.categ_id = p.ante
                  JOIN single sc ON sc.categ_id = p.cons
                """,
                baskets=self._baskets_cte(date_from),
                min=min_customers,
                today=today,
                uid=self.env.uid,
            )
        )
        count = cr.rowcount
        cr.execute(SQL("DELETE FROM res_partner_next_categ_rel"))
        cr.execute(
            SQL(
                """
                WITH %(baskets)s,
                candidates AS (
                    SELECT b.pid, af.consequent_id AS categ_id, MAX(af.lift * b.w) AS lift,
                           MAX(af.confidence * b.w) AS confidence
                      FROM baskets b
                      JOIN crm_category_affinity af ON af.antecedent_id = b.categ_id
                     WHERE af.lift > 1 AND NOT EXISTS (
                           SELECT 1 FROM baskets o
                            WHERE o.pid = b.pid AND o.categ_id = af.consequent_id
                              AND o.w >= 1)
                     GROUP BY b.pid, af.consequent_id
                ), ranked AS (
                    SELECT pid, categ_id, ROW_NUMBER() OVER (
                               PARTITION BY pid ORDER BY lift DESC, confidence DESC, categ_id
                           ) AS rank
                      FROM candidates
                )
                INSERT INTO res_partner_next_categ_rel (partner_id, categ_id)
                SELECT pid, categ_id FROM ranked WHERE rank <= 3
                """,
                baskets=self._baskets_cte(date_from),
            )
        )
        self.invalidate_model()
        Partner.invalidate_model(["next_categ_ids"])
        return count
