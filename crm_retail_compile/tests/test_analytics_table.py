"""Customer analytics in their own table (issue 19): the refresh writes
crm_customer_analytics and never res_partner, a new customer has no row, the
customer's related fields search, group and sort, each role and branch sees
its own rows, and the 18.0.1.7.0 migration moves the old columns."""

import datetime

from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.sql import column_exists

from .common import load_migration
from .test_analytics import AnalyticsCommon

D = datetime.date
OLD_COLUMNS = (
    ("rfm_last_purchase_date", "date"),
    ("rfm_frequency", "int"),
    ("rfm_monetary", "numeric"),
    ("rfm_r_score", "int"),
    ("rfm_f_score", "int"),
    ("rfm_m_score", "int"),
    ("rfm_score", "varchar"),
    ("rfm_segment", "varchar"),
    ("age_band", "varchar"),
    ("forecast_purchases", "numeric"),
    ("forecast_spend", "numeric"),
    ("forecast_p_alive", "numeric"),
    ("forecast_clv", "numeric"),
    ("forecast_date", "date"),
)


class TestAnalyticsTable(AnalyticsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = D(2025, 6, 30)
        cls.buyers_a = cls._customers(4, "Buyer A", retail_branch_id=cls.branch_a.id)
        cls.buyers_b = cls._customers(3, "Buyer B", retail_branch_id=cls.branch_b.id)
        rows = []
        for i, customer in enumerate(cls.buyers_a | cls.buyers_b):
            for k in range(i % 3 + 2):
                day = cls.today - datetime.timedelta(days=9 * i + 31 * k + 1)
                rows.append((customer, day, 40.0 * (i + 1)))
        cls._events(rows)

    def _writes(self):
        self.env.flush_all()
        return dict(
            self.env.execute_query(
                SQL(
                    """SELECT relname, n_tup_ins + n_tup_upd FROM pg_stat_xact_user_tables
                        WHERE relname IN ('res_partner', 'crm_customer_analytics')"""
                )
            )
        )

    def test_refresh_writes_the_table_not_the_customers(self):
        customers = self.buyers_a | self.buyers_b
        self.assertFalse(customers.crm_analytics_id)
        before = self._writes()
        self.analytics._analytics_refresh_rfm(today=self.today)
        run = self.analytics._analytics_refresh_forecast(today=self.today)
        after = self._writes()
        self.assertTrue(run)
        self.assertEqual(
            after.get("res_partner", 0), before.get("res_partner", 0), "res_partner rewritten"
        )
        self.assertGreaterEqual(
            after["crm_customer_analytics"] - before.get("crm_customer_analytics", 0),
            len(customers),
        )
        rows = self.analytics.search([("partner_id", "in", customers.ids)])
        self.assertEqual(rows.partner_id, customers)
        self.assertEqual(customers.crm_analytics_id, rows)
        for customer in customers:
            self.assertEqual(customer.rfm_segment, customer.crm_analytics_id.rfm_segment)
            self.assertTrue(customer.rfm_segment)
            self.assertEqual(customer.forecast_date, self.today)
        # nothing changed: a second night writes nothing at all
        before = self._writes()
        self.assertEqual(self.analytics._analytics_refresh_rfm(today=self.today), 0)
        self.analytics._analytics_refresh_forecast(today=self.today)
        self.assertEqual(self._writes(), before)
        # a new customer reads empty until the refresh computes its row
        new = self._customers(1, "New")
        self.assertFalse(new.crm_analytics_id)
        self.assertFalse(new.rfm_segment)
        self.assertEqual(new.rfm_frequency, 0)
        self.assertFalse(new.forecast_date)
        self.analytics._analytics_refresh_rfm(today=self.today)
        self.assertTrue(new.crm_analytics_id)
        self.assertEqual(new.age_band, "unknown")
        self.assertFalse(new.rfm_segment)  # never bought
        # a customer deleted takes its row along
        row = new.crm_analytics_id
        new.unlink()
        self.assertFalse(row.exists())

    def test_related_fields_search_group_and_sort(self):
        self.analytics._analytics_refresh_rfm(today=self.today)
        Partner = self.env["res.partner"]
        customers = self.buyers_a | self.buyers_b
        new = self._customers(1, "Unscored")
        scope = [("id", "in", (customers | new).ids)]
        segment = self.buyers_a[0].rfm_segment
        expected = customers.filtered(lambda p: p.rfm_segment == segment)
        self.assertEqual(Partner.search(scope + [("rfm_segment", "=", segment)]), expected)
        self.assertEqual(
            Partner.search(scope + [("rfm_segment", "!=", segment)]),
            (customers | new) - expected,
        )
        self.assertEqual(Partner.search(scope + [("rfm_segment", "=", False)]), new)
        self.assertEqual(Partner.search(scope + [("crm_analytics_id", "=", False)]), new)
        self.assertEqual(Partner.search(scope + [("crm_analytics_id", "!=", False)]), customers)
        top = customers.filtered(lambda p: p.rfm_m_score == 5)
        self.assertTrue(top)
        self.assertEqual(Partner.search(scope + [("rfm_m_score", "=", 5)]), top)
        # sorted and grouped in SQL, through one join of the rows
        ordered = Partner.search(scope, order="rfm_monetary desc, id")
        monetary = [p.rfm_monetary for p in ordered if p.crm_analytics_id]
        self.assertEqual(monetary, sorted(monetary, reverse=True))
        groups = dict(Partner._read_group(scope, ["rfm_segment"], ["__count"]))
        self.assertEqual(groups.get(False), 1)
        self.assertEqual(sum(groups.values()), len(customers) + 1)
        totals = Partner._read_group(scope, [], ["rfm_monetary:sum"])
        self.assertAlmostEqual(totals[0][0], sum(customers.mapped("rfm_monetary")), places=2)

    def test_access_by_role_and_branch(self):
        self.analytics._analytics_refresh_rfm(today=self.today)
        scope = [("partner_id", "in", (self.buyers_a | self.buyers_b).ids)]
        for user in (self.manager_a, self.staff_a):
            Analytics = self.analytics.with_user(user)
            seen = Analytics.search(scope)
            self.assertEqual(seen.partner_id, self.buyers_a, user.login)
            # grouped figures: the user's branch only
            count = sum(c for _s, c in Analytics._read_group(scope, ["rfm_segment"], ["__count"]))
            self.assertEqual(count, len(self.buyers_a))
            other = self.buyers_b[0].crm_analytics_id
            with self.assertRaises(AccessError):
                other.with_user(user).read(["rfm_segment"])
            with self.assertRaises(AccessError):
                seen[:1].write({"rfm_segment": "lost"})
            with self.assertRaises(AccessError):
                Analytics.create({"partner_id": self.buyers_a[0].id})
            with self.assertRaises(AccessError):
                seen[:1].unlink()
        # administrators and analysts see every branch
        for user in (self.retail_admin, self.privacy_officer):
            seen = self.analytics.with_user(user).search(scope)
            self.assertEqual(seen.partner_id, self.buyers_a | self.buyers_b, user.login)
        # users outside the Retail CRM roles have no access to the table
        with self.assertRaises(AccessError):
            self.analytics.with_user(self.internal).search(scope)
        # the customer's own fields follow the customer's rules
        self.assertEqual(
            self.buyers_a[0].with_user(self.staff_a).rfm_segment, self.buyers_a[0].rfm_segment
        )

    def test_migration_moves_the_old_columns(self):
        """18.0.1.7.0: the old res_partner columns (renamed by pre-migrate)
        become rows of crm_customer_analytics, one per customer with any
        figure, and are dropped with their indexes."""
        pre = load_migration("18.0.1.7.0", "pre-migrate.py")
        post = load_migration("18.0.1.7.0", "post-migrate.py")
        cr = self.env.cr
        full, band_only, nothing = self.buyers_a[:3]
        self.env.flush_all()
        # the 18.0.1.6.0 layout (DDL is rolled back with the test)
        cr.execute(
            SQL(
                "ALTER TABLE res_partner %s",
                SQL(", ").join(
                    SQL("ADD COLUMN %s %s", SQL.identifier(name), SQL(kind))
                    for name, kind in OLD_COLUMNS
                ),
            )
        )
        cr.execute(SQL("CREATE INDEX res_partner__rfm_segment_index ON res_partner (rfm_segment)"))
        cr.execute(
            SQL(
                """UPDATE res_partner
                      SET rfm_last_purchase_date = %s, rfm_frequency = 4, rfm_monetary = 812.5,
                          rfm_r_score = 5, rfm_f_score = 4, rfm_m_score = 3, rfm_score = '543',
                          rfm_segment = 'loyal', age_band = '35_44', forecast_purchases = 1.25,
                          forecast_spend = 300.5, forecast_p_alive = 0.875,
                          forecast_clv = 1200.75, forecast_date = %s
                    WHERE id = %s""",
                D(2025, 6, 1),
                D(2025, 6, 2),
                full.id,
            )
        )
        cr.execute(SQL("UPDATE res_partner SET age_band = 'unknown' WHERE id = %s", band_only.id))
        # a fresh install does nothing
        pre.migrate(cr, None)
        self.assertTrue(column_exists(cr, "res_partner", "rfm_segment"))
        pre.migrate(cr, "18.0.1.6.0")
        self.assertFalse(column_exists(cr, "res_partner", "rfm_segment"))
        self.assertTrue(column_exists(cr, "res_partner", "crm_old_rfm_segment"))
        post.migrate(cr, "18.0.1.6.0")
        for name, _kind in OLD_COLUMNS:
            self.assertFalse(column_exists(cr, "res_partner", "crm_old_" + name))
        cr.execute(
            SQL(
                "SELECT 1 FROM pg_indexes WHERE tablename = 'res_partner' "
                "AND indexname = 'res_partner__rfm_segment_index'"
            )
        )
        self.assertFalse(cr.fetchall())
        self.env.invalidate_all()
        self.assertFalse(nothing.crm_analytics_id)
        self.assertEqual(band_only.age_band, "unknown")
        self.assertFalse(band_only.rfm_segment)
        self.assertEqual(
            {
                name: full[name]
                for name, _kind in OLD_COLUMNS
                if name not in ("rfm_last_purchase_date", "forecast_date")
            },
            {
                "rfm_frequency": 4,
                "rfm_monetary": 812.5,
                "rfm_r_score": 5,
                "rfm_f_score": 4,
                "rfm_m_score": 3,
                "rfm_score": "543",
                "rfm_segment": "loyal",
                "age_band": "35_44",
                "forecast_purchases": 1.25,
                "forecast_spend": 300.5,
                "forecast_p_alive": 0.875,
                "forecast_clv": 1200.75,
            },
        )
        self.assertEqual(full.rfm_last_purchase_date, D(2025, 6, 1))
        self.assertEqual(full.forecast_date, D(2025, 6, 2))
        # the nightly refresh then takes over the rows: no duplicate
        self.analytics._analytics_refresh_rfm(today=self.today)
        self.assertEqual(self.analytics.search_count([("partner_id", "=", full.id)]), 1)
        # a second run finds nothing left to move
        pre.migrate(cr, "18.0.1.6.0")
        self.assertEqual(post.move_analytics(cr), 0)
