"""Each customer's product-category preferences derived from their online
behaviour, refreshed nightly with the category affinities (one statement;
the scoring is documented in lib/analytics/online.py)."""

import datetime

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.analytics import online


class CrmOnlinePreference(models.Model):
    _name = "crm.online.preference"
    _description = "Preference from Online Behaviour"
    _order = "score desc, last_date desc, id"
    _rec_name = "categ_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    views = fields.Integer(string="Product Views", readonly=True)
    wishlists = fields.Integer(string="Wish-List Additions", readonly=True)
    carts = fields.Integer(string="Cart Additions", readonly=True)
    orders = fields.Integer(string="Online Orders", readonly=True)
    score = fields.Float(
        string="Weight",
        readonly=True,
        digits=(16, 2),
        aggregator="avg",
        help="1 when the customer ordered the category online; otherwise 0.2 a product "
        "view, 0.4 a wish-list addition and 0.5 a cart addition, at most 0.8 in all. "
        "The weight of the category in the customer's basket for the category affinities.",
    )
    last_date = fields.Datetime(string="Last Online Activity", readonly=True)

    @api.model
    def _score_sql(self):
        """SQL of lib.analytics.online.score() over a group of crm_online_activity a."""
        browse = SQL(" + ").join(
            SQL("%s * COUNT(*) FILTER (WHERE a.kind = %s)", online.KIND_WEIGHTS[kind], kind)
            for kind in online.BROWSE_KINDS
        )
        return SQL(
            "CASE WHEN bool_or(a.kind IN %s) THEN %s "
            "ELSE ROUND(LEAST(%s, %s)::numeric, %s) END::float8",
            online.PURCHASE_KINDS,
            online.PURCHASE,
            online.BROWSE_CAP,
            browse,
            online.DIGITS,
        )

    @api.model
    def _refresh(self, date_from=None):
        """Recompute every customer's online preferences from the online
        activity since ``date_from`` (UTC; default: the analytics window).
        One DELETE and one INSERT; returns the number of rows."""
        Partner = self.env["res.partner"]
        if date_from is None:
            Analytics = self.env["crm.customer.analytics"]
            window = Analytics._analytics_param("rfm_window_days")
            today = Analytics._analytics_today()
            date_from = Analytics._analytics_utc(today - datetime.timedelta(days=window))
        self.env["crm.online.activity"].flush_model()
        self.env["product.product"].flush_model(["product_tmpl_id"])
        self.env["product.template"].flush_model(["categ_id"])
        Partner.flush_model(["commercial_partner_id", "is_retail_customer"])
        cr = self.env.cr
        cr.execute(SQL("DELETE FROM crm_online_preference"))
        cr.execute(
            SQL(
                """
                INSERT INTO crm_online_preference (
                    partner_id, categ_id, views, wishlists, carts, orders, score, last_date,
                    create_uid, create_date, write_uid, write_date)
                SELECT rp.commercial_partner_id, pt.categ_id,
                       COUNT(*) FILTER (WHERE a.kind = 'product_view'),
                       COUNT(*) FILTER (WHERE a.kind = 'wishlist'),
                       COUNT(*) FILTER (WHERE a.kind = 'cart'),
                       COUNT(*) FILTER (WHERE a.kind = 'order'),
                       %(score)s, MAX(a.activity_date),
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM crm_online_activity a
                  JOIN product_product pp ON pp.id = a.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  JOIN res_partner rp ON rp.id = a.partner_id
                  JOIN res_partner cp ON cp.id = rp.commercial_partner_id
                 WHERE a.activity_date >= %(date_from)s AND a.kind IN %(kinds)s
                   AND pt.categ_id IS NOT NULL AND cp.is_retail_customer
                 GROUP BY rp.commercial_partner_id, pt.categ_id
                """,
                score=self._score_sql(),
                uid=self.env.uid,
                date_from=date_from,
                kinds=tuple(online.KIND_WEIGHTS),
            )
        )
        count = cr.rowcount
        self.invalidate_model()
        Partner.invalidate_model(["online_preference_ids"])
        return count
