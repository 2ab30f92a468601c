"""Customer analytics through the ORM: RFM refresh, forecast evaluation on a
constructed dataset with a known answer, win-back activities and consent,
category affinities and the campaign audience, access rights."""

import datetime
from unittest.mock import patch

import numpy as np

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.sql import column_exists

from odoo.addons.crm_privacy_pdpo.tests.job_helpers import run_jobs

from ..lib.analytics import btyd, rfm
from ..lib.analytics.rfm_sql import age_band_case as _age_band_case
from ..lib.analytics.rfm_sql import segment_case as _segment_case
from ..models.crm_customer_analytics import RFM_FIELDS
from ..models.crm_customer_analytics_rfm import RFM_STATE_PARAM
from .common import RetailCommon, load_migration

D = datetime.date


class AnalyticsCommon(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cr = cls.env.cr
        # a clean slate: only the customers of the test count (rolled back)
        cr.execute(SQL("DELETE FROM crm_sales_event"))
        cr.execute(SQL("UPDATE res_partner SET is_retail_customer = FALSE"))
        cls.env["res.partner"].invalidate_model()
        cls.env.user.tz = "Asia/Hong_Kong"
        cls.company = cls.env.company
        # no earlier RFM refresh: the first one of a test is a full one
        cls.env["ir.config_parameter"].set_param(RFM_STATE_PARAM, False)

    @property
    def analytics(self):
        return self.env["crm.customer.analytics"]

    def _set_analytics(self, partners, **vals):
        """Give customers analytics rows with these figures (as a refresh would)."""
        return self.analytics.create([dict(vals, partner_id=p.id) for p in partners])

    @classmethod
    def _customers(cls, count, prefix, **vals):
        return cls.env["res.partner"].create(
            [
                dict({"name": f"{prefix} {i}", "is_retail_customer": True}, **vals)
                for i in range(count)
            ]
        )

    @classmethod
    def _events(cls, rows):
        """Insert revenue events: (partner, date, revenue[, type, order, categories])."""
        rows = [tuple(row) + (None,) * (6 - len(row)) for row in rows]
        ids = cls.env.execute_query(
            SQL(
                """
                INSERT INTO crm_sales_event (event_type, event_date, name, partner_id, revenue,
                    cost, margin, is_revenue, order_id, company_id, currency_id,
                    create_uid, create_date, write_uid, write_date)
                SELECT v.kind, v.day + TIME '04:00', 'T', v.partner, v.revenue, 0, v.revenue,
                       TRUE, v.order_id, %(company)s, %(currency)s, 1, NOW(), 1, NOW()
                  FROM unnest(%(kinds)s::varchar[], %(days)s::date[], %(partners)s::int[],
                              %(revenues)s::numeric[], %(orders)s::int[])
                       WITH ORDINALITY AS v(kind, day, partner, revenue, order_id, n)
                 ORDER BY v.n
                RETURNING id
                """,
                company=cls.company.id,
                currency=cls.company.currency_id.id,
                kinds=[row[3] or "order_confirmed" for row in rows],
                days=[row[1] for row in rows],
                partners=[row[0].id for row in rows],
                revenues=[row[2] for row in rows],
                orders=[row[4].id if row[4] else None for row in rows],
            )
        )
        pairs = [
            (event_id, categ.id)
            for (event_id,), row in zip(ids, rows, strict=True)
            for categ in (row[5] or [])
        ]
        if pairs:
            cls.env.cr.execute(
                SQL(
                    "INSERT INTO crm_sales_event_product_category_rel (event_id, categ_id) "
                    "SELECT * FROM unnest(%s::int[], %s::int[])",
                    [p[0] for p in pairs],
                    [p[1] for p in pairs],
                )
            )
        cls.env["crm.sales.event"].invalidate_model()


class TestRfmRefresh(AnalyticsCommon):
    def test_scores_match_the_reference_and_segments(self):
        today = D(2025, 6, 30)
        customers = self._customers(10, "RFM", retail_branch_id=self.branch_a.id)
        rows, recency, frequency, monetary = [], [], [], []
        for i, customer in enumerate(customers):
            # customer i buys i + 1 times, every 20 days, the last one i * 30 days ago
            last = today - datetime.timedelta(days=(9 - i) * 30)
            for k in range(i + 1):
                rows.append((customer, last - datetime.timedelta(days=20 * k), 100.0 * (k + 1)))
            recency.append((9 - i) * 30)
            frequency.append(i + 1)
            monetary.append(100.0 * (i + 1) * (i + 2) / 2)
        # two orders on one day are one purchase; a cancelled order is none
        rows.append((customers[0], today - datetime.timedelta(days=270), 50.0))
        rows.append((customers[1], D(2025, 1, 2), 80.0, "order_confirmed", self.order_b))
        rows.append((customers[1], D(2025, 1, 3), -80.0, "order_cancelled", self.order_b))
        monetary[0] += 50.0
        self._events(rows)
        customers[3].write({"birthday_day": 1, "birthday_month": 5, "birthday_year": 1990})
        never = self._customers(
            1, "Never bought", birthday_day=2, birthday_month=3, birthday_year=2005
        )
        Partner = self.env["res.partner"]
        self.assertGreaterEqual(self.analytics._analytics_refresh_rfm(today=today), 11)
        _r, _f, _m, codes, segments = rfm.score_customers(recency, frequency, monetary)
        for i, customer in enumerate(customers):
            self.assertEqual(
                customer.rfm_last_purchase_date, today - datetime.timedelta(days=recency[i])
            )
            self.assertEqual(customer.rfm_frequency, frequency[i])
            self.assertAlmostEqual(customer.rfm_monetary, monetary[i])
            self.assertEqual(customer.rfm_score, codes[i])
            self.assertEqual(customer.rfm_segment, segments[i])
            self.assertEqual(customer.rfm_date, today)
        # ten distinct values: quintiles of two customers each
        self.assertEqual(customers.mapped("rfm_r_score"), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
        self.assertEqual(customers[9].rfm_segment, "champions")
        self.assertEqual(customers[0].rfm_segment, "lost")
        self.assertEqual(customers[3].age_band, "35_44")
        self.assertEqual(customers[4].age_band, "unknown")
        self.assertFalse(never.rfm_segment)
        self.assertEqual(never.age_band, "under_25")
        # nothing changed: nothing rewritten
        self.assertEqual(self.analytics._analytics_refresh_rfm(today=today), 0)
        # a day later without new purchases: the ranks of the last purchase
        # dates are the same, so no customer is rewritten, and the date moves
        tomorrow = today + datetime.timedelta(days=1)
        self.assertEqual(self.analytics._analytics_refresh_rfm(today=tomorrow), 0)
        self.assertEqual(customers[0].rfm_date, tomorrow)
        self.assertFalse(never.rfm_date)
        # recency is counted to the user's today, and searchable in days
        real_today = fields.Date.context_today(Partner)
        self.assertEqual(
            customers[9].rfm_recency_days, (real_today - customers[9].rfm_last_purchase_date).days
        )
        recent = Partner.search(
            [("id", "in", customers.ids), ("rfm_recency_days", "<=", customers[8].rfm_recency_days)]
        )
        self.assertEqual(recent, customers[8] | customers[9])
        with self.assertRaises(UserError):
            Partner.search([("rfm_recency_days", "<", "soon")])

    def _rfm_snapshot(self):
        self.env["res.partner"].invalidate_model()
        partners = self.env["res.partner"].search([("is_retail_customer", "=", True)])
        return {p["id"]: p for p in partners.read(RFM_FIELDS)}

    def _backdate_edits(self):
        """As if the customers had been edited before the last refresh (in a
        test everything shares one transaction timestamp)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE res_partner SET write_date = write_date - INTERVAL '2 days'")
        )
        params = self.env["ir.config_parameter"]
        state = self.analytics._analytics_rfm_state()
        params.set_param(
            RFM_STATE_PARAM,
            '{"date": "%s", "window_days": %s, "event_id": %s, "started": "%s", '
            '"scan_event_id": %s, "scan_started": "%s"}'
            % (
                state["date"],
                state["window_days"],
                state["event_id"],
                state["started"] - datetime.timedelta(days=1),
                state["event_id"],
                state["started"] - datetime.timedelta(days=1),
            ),
        )

    def test_incremental_refresh_equals_a_full_recompute(self):
        """The nightly refresh recomputes only the customers whose purchases
        may have changed, then rescores everyone from the stored figures: the
        result is the full recompute's, for new orders, cancellations,
        orders dated ahead, purchases leaving the window and a customer who
        became a retail customer."""
        Partner = self.env["res.partner"]
        self.env["ir.config_parameter"].set_param(
            "crm_retail_compile.analytics_rfm_window_days", "100"
        )
        day0 = D(2025, 6, 30)
        customers = self._customers(12, "Incremental", retail_branch_id=self.branch_a.id)
        rows = []
        for i, customer in enumerate(customers):
            for k in range(i % 4 + 1):
                rows.append((customer, day0 - datetime.timedelta(days=7 * i + 13 * k), 50.0 * i))
        # customer 0 bought once, 98 days ago: it leaves the window in 3 days
        rows.append((customers[0], day0 - datetime.timedelta(days=98), 500.0))
        # customer 1's order of 40 days ago is cancelled later
        rows.append((customers[1], day0 - datetime.timedelta(days=40), 300.0, None, self.order_b))
        # a company (not a retail customer yet) that bought
        company = Partner.create({"name": "Becomes retail", "is_company": True})
        rows.append((company, day0 - datetime.timedelta(days=5), 900.0))
        self._events(rows)
        self.assertGreater(self.analytics._analytics_refresh_rfm(today=day0), 0)
        self.assertEqual(customers[1].rfm_frequency, 2 + 1)
        self._backdate_edits()

        day5 = day0 + datetime.timedelta(days=5)
        self._events(
            [
                # a new order today for customer 2, and one dated ahead for 3
                (customers[2], day5, 75.0),
                (customers[3], day0 + datetime.timedelta(days=3), 60.0),
                (
                    customers[1],
                    day0 + datetime.timedelta(days=1),
                    -300.0,
                    "order_cancelled",
                    self.order_b,
                ),
            ]
        )
        company.is_retail_customer = True
        self.env.flush_all()
        state = self.analytics._analytics_rfm_state()
        changed = self.analytics._analytics_rfm_changed(state, day5)
        ids = {row[0] for row in self.env.execute_query(changed)}
        # 0 and 10 (its purchase of 96 days ago) leave the window, 1 has a
        # cancellation, 2 a new order, 3 an order dated ahead; the company
        # became a retail customer
        self.assertEqual(ids, set((customers[:4] | customers[10] | company).ids))
        self.assertGreater(self.analytics._analytics_refresh_rfm(today=day5), 0)
        incremental = self._rfm_snapshot()
        self.assertEqual(customers[0].rfm_frequency, 0)  # left the window
        self.assertEqual(customers[1].rfm_frequency, 2)  # the cancelled order is gone
        self.assertEqual(customers[2].rfm_last_purchase_date, day5)
        self.assertEqual(customers[3].rfm_last_purchase_date, D(2025, 7, 3))
        self.assertTrue(company.rfm_segment)
        # the full recompute of the same day changes nothing
        self.assertEqual(self.analytics._analytics_refresh_rfm(today=day5, full=True), 0)
        self.assertEqual(self._rfm_snapshot(), incremental)
        # run twice: nothing to do
        self.assertEqual(self.analytics._analytics_refresh_rfm(today=day5), 0)

    def test_refresh_without_a_usable_last_run_is_a_full_one(self):
        """Stored figures the nightly run would trust (nobody bought, nobody
        was edited) are recomputed when the last run's state cannot be used."""
        customers = self._customers(3, "Full")
        self._events([(c, D(2025, 6, 1), 100.0 * (i + 1)) for i, c in enumerate(customers)])
        self.analytics._analytics_refresh_rfm(today=D(2025, 6, 30))
        params = self.env["ir.config_parameter"]

        def damage():
            self._backdate_edits()
            self.env.cr.execute(
                SQL(
                    "UPDATE crm_customer_analytics SET rfm_monetary = 1 WHERE partner_id IN %s",
                    tuple(customers.ids),
                )
            )
            self.env.invalidate_all()

        # a usable state: the incremental run keeps the stored figures
        damage()
        self.analytics._analytics_refresh_rfm(today=D(2025, 6, 30))
        self.assertEqual(customers.mapped("rfm_monetary"), [1.0, 1.0, 1.0])
        for state in ("not json", '{"date": "2025-06-01"}'):
            damage()
            params.set_param(RFM_STATE_PARAM, state)
            self.analytics._analytics_refresh_rfm(today=D(2025, 6, 30))
            self.env.invalidate_all()
            self.assertEqual(customers.mapped("rfm_monetary"), [100.0, 200.0, 300.0])
            self.assertEqual(self.analytics._analytics_rfm_state()["date"], D(2025, 6, 30))
        # an earlier day than the last run's, or another window
        damage()
        self.analytics._analytics_refresh_rfm(today=D(2025, 6, 15))
        self.env.invalidate_all()
        self.assertEqual(customers.mapped("rfm_monetary"), [100.0, 200.0, 300.0])
        damage()
        params.set_param("crm_retail_compile.analytics_rfm_window_days", "365")
        self.analytics._analytics_refresh_rfm(today=D(2025, 6, 15))
        self.env.invalidate_all()
        self.assertEqual(customers.mapped("rfm_monetary"), [100.0, 200.0, 300.0])
        self.assertEqual(customers.mapped("rfm_m_score"), [1, 2, 4])

    def test_refresh_button_recomputes_every_customer(self):
        """The nightly run trusts the stored figures of customers without
        changes; the administrator's refresh button recomputes them all."""
        Partner = self.env["res.partner"]
        today = self.analytics._analytics_today()
        customer = self._customers(1, "Button")
        self._events([(customer, today - datetime.timedelta(days=10), 100.0)])
        self.analytics._analytics_refresh_rfm()
        self.assertEqual(customer.rfm_monetary, 100.0)
        self._backdate_edits()
        # figures damaged by hand (a restore, a manual SQL fix gone wrong)
        self.env.cr.execute(
            SQL(
                "UPDATE crm_customer_analytics SET rfm_monetary = 1 WHERE partner_id = %s",
                customer.id,
            )
        )
        self.env.invalidate_all()
        self.analytics._analytics_refresh_rfm()
        self.assertEqual(customer.rfm_monetary, 1.0)
        Partner.with_user(self.retail_admin).action_refresh_customer_analytics()
        self.env.invalidate_all()
        # queued, not run inline: the job refreshes
        self.assertEqual(customer.rfm_monetary, 1.0)
        self.assertEqual(run_jobs(self.env, "_job_customer_analytics"), 1)
        self.env.invalidate_all()
        self.assertEqual(customer.rfm_monetary, 100.0)
        with self.assertRaises(AccessError):
            Partner.with_user(self.staff_a).action_refresh_customer_analytics()

    def test_migration_keeps_the_last_purchase(self):
        """18.0.1.1.0 turns the stored recency and segment date into the last
        purchase day and a parameter, and drops the old columns."""
        migration = load_migration("18.0.1.1.0")
        customer = self._customers(1, "Migrated")
        cr = self.env.cr
        self.env.flush_all()
        # the 18.0.1.0.0 columns (DDL is rolled back with the test)
        cr.execute(
            SQL(
                "ALTER TABLE res_partner ADD COLUMN rfm_recency_days int, "
                "ADD COLUMN rfm_date date, ADD COLUMN rfm_last_purchase_date date"
            )
        )
        cr.execute(
            SQL(
                "UPDATE res_partner SET rfm_recency_days = 12, rfm_date = %s, "
                "rfm_last_purchase_date = NULL WHERE id = %s",
                D(2025, 3, 20),
                customer.id,
            )
        )
        migration.migrate(cr, "18.0.1.0.0")
        # the migration writes with SQL, as upgrades do: drop the caches
        self.env.registry.clear_cache()
        self.env.invalidate_all()
        # (18.0.1.7.0 then moves the column into crm_customer_analytics)
        cr.execute(SQL("SELECT rfm_last_purchase_date FROM res_partner WHERE id = %s", customer.id))
        self.assertEqual(cr.fetchone()[0], D(2025, 3, 8))
        self.assertEqual(
            self.env["ir.config_parameter"].get_param("crm_retail_compile.analytics_rfm_date"),
            "2025-03-20",
        )
        self.assertFalse(column_exists(cr, "res_partner", "rfm_recency_days"))
        self.assertFalse(column_exists(cr, "res_partner", "rfm_date"))
        # a second run (or a fresh install) does nothing
        migration.migrate(cr, "18.0.1.0.0")

    def test_nightly_jobs_use_the_business_time_zone(self):
        """The scheduler runs as a user who may be in Brussels: local days
        of purchases are Hong Kong days unless configured otherwise."""
        params = self.env["ir.config_parameter"]
        self.env.user.tz = "Europe/Brussels"
        self.assertEqual(self.analytics._analytics_tz(), "Asia/Hong_Kong")
        params.set_param("crm_retail_compile.analytics_tz", "Asia/Macau")
        self.assertEqual(self.analytics._analytics_tz(), "Asia/Macau")
        params.set_param("crm_retail_compile.analytics_tz", "Mars/Olympus")
        self.assertEqual(self.analytics._analytics_tz(), "Asia/Hong_Kong")

    def test_sql_segment_mapping_matches_the_library(self):
        combos = [
            (r, f, m, n)
            for r in range(1, 6)
            for f in range(1, 6)
            for m in range(1, 6)
            for n in (1, 2)
        ]
        columns = list(zip(*combos, strict=True))
        rows = self.env.execute_query(
            SQL(
                "SELECT %s FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[]) "
                "WITH ORDINALITY AS v(r, f, m, n, i) ORDER BY i",
                _segment_case(SQL("v.r"), SQL("v.f"), SQL("v.m"), SQL("v.n")),
                *[list(c) for c in columns],
            )
        )
        self.assertEqual([row[0] for row in rows], rfm.segment(*columns).tolist())

    def test_sql_segment_case_is_generated_from_the_rules(self):
        rules = (("vip", (("r", "=", 5), ("fm", ">", 4))), ("new", (("frequency", "<", 2),)))

        def segments(values):
            return [
                row[0]
                for row in self.env.execute_query(
                    SQL(
                        "SELECT %s FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[]) "
                        "WITH ORDINALITY AS v(r, f, m, n, i) ORDER BY i",
                        _segment_case(SQL("v.r"), SQL("v.f"), SQL("v.m"), SQL("v.n")),
                        *[list(c) for c in zip(*values, strict=True)],
                    )
                )
            ]

        values = [(5, 5, 4, 3), (5, 4, 4, 3), (1, 1, 1, 1), (3, 3, 3, 3)]
        with patch.object(rfm, "SEGMENT_RULES", rules):
            self.assertEqual(segments(values), ["vip", "lost", "new", "lost"])
            self.assertEqual(segments(values), rfm.segment(*zip(*values, strict=True)).tolist())

    def test_sql_age_bands_match_the_library(self):
        years = [0, None, 2020, 2002, 2001, 1992, 1991, 1982, 1981, 1972, 1971, 1962, 1961, 1900]
        rows = self.env.execute_query(
            SQL(
                "SELECT %s FROM unnest(%s::int[]) WITH ORDINALITY AS v(y, i) ORDER BY i",
                _age_band_case(SQL("v.y"), 2025),
                years,
            )
        )
        self.assertEqual([row[0] for row in rows], [rfm.age_band(y, 2025) for y in years])
        self.assertIn("25_34", [row[0] for row in rows])

    def test_staff_see_the_segment(self):
        self._set_analytics(self.cust_a, rfm_segment="loyal", rfm_score="345")
        self.assertEqual(self.cust_a.with_user(self.staff_a).rfm_segment, "loyal")


class TestForecastEvaluation(AnalyticsCommon):
    CAL_START, CAL_END, HOLDOUT_END = D(2024, 1, 1), D(2024, 6, 30), D(2024, 8, 31)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls._customers(48, "Eval")
        for i, customer in enumerate(cls.customers):
            customer.retail_branch_id = (cls.branch_a if i % 2 == 0 else cls.branch_b).id
        rows, cls.expected = [], []
        for i, customer in enumerate(cls.customers):
            first = cls.CAL_START + datetime.timedelta(days=7 * (i % 6))
            spacing = 10 + 5 * (i % 4)
            repeats = i % 5
            days = [first + datetime.timedelta(days=spacing * k) for k in range(repeats + 1)]
            holdout = [cls.CAL_END + datetime.timedelta(days=10 + 25 * j) for j in range(i % 4)]
            rows += [(customer, day, 100.0 + i) for day in days + holdout]
            cls.expected.append(
                {
                    "x": repeats,
                    "t_x": (days[-1] - first).days,
                    "T": (cls.CAL_END - first).days,
                    "holdout": holdout,
                    "branch": customer.retail_branch_id,
                }
            )
        special = cls.customers[5]  # one holdout purchase, on 10 July
        rows += [
            (special, D(2024, 7, 10), 30.0),  # same day: still one purchase
            (special, D(2024, 8, 1), 90.0, "order_confirmed", cls.order_a_own),
            (special, D(2024, 8, 2), -90.0, "order_cancelled", cls.order_a_own),  # none
            (special, D(2024, 9, 10), 70.0),  # after the holdout
            (special, D(2023, 12, 1), 70.0),  # before the calibration period
        ]
        cls._events(rows)
        cls.evaluation_run = cls.env["crm.forecast.run"]._run_evaluation(
            cls.CAL_START, cls.CAL_END, cls.HOLDOUT_END
        )

    def _forecasts(self):
        run = self.evaluation_run
        x = np.array([e["x"] for e in self.expected], dtype=float)
        t_x = np.array([e["t_x"] for e in self.expected], dtype=float) / 7
        T = np.array([e["T"] for e in self.expected], dtype=float) / 7
        t = (self.HOLDOUT_END - self.CAL_END).days / 7
        return btyd.bgnbd_conditional_expected((run.r, run.alpha, run.a, run.b), t, x, t_x, T)

    def test_run_parameters(self):
        run = self.evaluation_run
        self.assertEqual(run.customers, 48)
        self.assertEqual(run.repeat_buyers, sum(1 for e in self.expected if e["x"]))
        for name in ("r", "alpha", "a", "b", "p", "q", "gamma"):
            self.assertGreater(run[name], 0, name)
        x = np.array([e["x"] for e in self.expected], dtype=float)
        t_x = np.array([e["t_x"] for e in self.expected], dtype=float) / 7
        T = np.array([e["T"] for e in self.expected], dtype=float) / 7
        self.assertAlmostEqual(
            run.bgnbd_loglik,
            btyd.bgnbd_loglik((run.r, run.alpha, run.a, run.b), x, t_x, T),
            delta=0.01,
        )

    def test_actual_naive_and_errors(self):
        run = self.evaluation_run
        holdout_days = (self.HOLDOUT_END - self.CAL_END).days
        actual = np.array([len(e["holdout"]) for e in self.expected], dtype=float)
        naive = np.array([e["x"] / e["T"] * holdout_days if e["T"] else 0.0 for e in self.expected])
        forecast = self._forecasts()
        self.assertEqual(run.actual_purchases, actual.sum())
        self.assertAlmostEqual(run.naive_purchases, naive.sum(), places=2)
        self.assertAlmostEqual(run.forecast_purchases, forecast.sum(), places=2)
        self.assertAlmostEqual(run.mae, np.abs(forecast - actual).mean(), places=4)
        self.assertAlmostEqual(run.wape, np.abs(forecast - actual).sum() / actual.sum(), places=4)
        self.assertAlmostEqual(run.naive_mae, np.abs(naive - actual).mean(), places=4)
        self.assertAlmostEqual(
            run.naive_wape, np.abs(naive - actual).sum() / actual.sum(), places=4
        )
        lines = run.line_ids
        for branch in (self.branch_a, self.branch_b):
            line = lines.filtered(
                lambda li, b=branch: li.group_type == "branch" and li.retail_branch_id == b
            )
            mask = np.array([e["branch"] == branch for e in self.expected])
            self.assertEqual(line.customers, mask.sum())
            self.assertEqual(line.actual_purchases, actual[mask].sum())
            self.assertAlmostEqual(line.naive_purchases, naive[mask].sum(), places=2)
            self.assertAlmostEqual(line.mae, np.abs(forecast[mask] - actual[mask]).mean(), places=4)
        months = lines.filtered(lambda li: li.group_type == "month")
        self.assertEqual(months.mapped("month"), [D(2024, 7, 1), D(2024, 8, 1)])
        july = sum(1 for e in self.expected for day in e["holdout"] if day.month == 7)
        self.assertEqual(months[0].actual_purchases, july)
        self.assertEqual(months[1].actual_purchases, actual.sum() - july)
        # stored with two decimals
        self.assertAlmostEqual(sum(months.mapped("forecast_purchases")), forecast.sum(), delta=0.02)
        self.assertAlmostEqual(
            months[0].naive_purchases, (naive * 31 / holdout_days).sum(), places=2
        )
        segments = lines.filtered(lambda li: li.group_type == "segment")
        self.assertEqual(sum(segments.mapped("customers")), 48)
        self.assertEqual(sum(segments.mapped("actual_purchases")), actual.sum())

    def test_forecast_stored_on_customers(self):
        self.analytics._analytics_refresh_rfm(today=self.CAL_END)
        run = self.analytics._analytics_refresh_forecast(today=self.CAL_END)
        self.assertEqual(run.run_type, "forecast")
        customer = self.customers[9]
        self.assertEqual(customer.forecast_date, self.CAL_END)
        self.assertTrue(0 < customer.forecast_p_alive <= 1)
        self.assertGreater(customer.forecast_clv, customer.forecast_spend)
        e = self.expected[9]
        p_alive = btyd.bgnbd_p_alive(
            (run.r, run.alpha, run.a, run.b), [e["x"]], [e["t_x"] / 7], [e["T"] / 7]
        )[0]
        self.assertAlmostEqual(customer.forecast_p_alive, p_alive, delta=1e-3)
        self.assertFalse(self.cust_b.forecast_date)
        overall = run.line_ids.filtered(lambda li: li.group_type == "overall")
        self.assertAlmostEqual(
            overall.forecast_purchases,
            sum(self.customers.mapped("forecast_purchases")),
            places=1,
        )


class TestWinback(AnalyticsCommon):
    def test_activity_only_with_consent(self):
        self.branch_a.manager_id = self.manager_a
        consenting, silent, other_purpose = self._customers(
            3, "Valuable", retail_branch_id=self.branch_a.id
        )
        self._set_analytics(
            consenting | silent | other_purpose,
            rfm_m_score=5,
            rfm_segment="at_risk",
            forecast_p_alive=0.2,
            forecast_clv=5000.0,
            forecast_date=D(2025, 1, 1),
        )
        Consent = self.env["crm.privacy.consent"]
        winback = self.env.ref("crm_retail_compile.purpose_winback")
        Consent.create(
            [
                {
                    "partner_id": consenting.id,
                    "purpose_id": winback.id,
                    "channel": "sms",
                    "kind": "opt_in",
                    "grandfathered": True,
                },
                {
                    "partner_id": other_purpose.id,
                    "purpose_id": self.env.ref("crm_privacy_pdpo.purpose_promotions").id,
                    "channel": "email",
                    "kind": "opt_in",
                    "grandfathered": True,
                },
            ]
        )
        candidates = self.analytics._analytics_winback_candidates()
        self.assertEqual(candidates, consenting | silent | other_purpose)
        activities = self.analytics._analytics_create_winback_activities()
        self.assertEqual(activities.mapped("res_id"), [consenting.id])
        self.assertEqual(activities.user_id, self.manager_a)
        self.assertIn("SMS", str(activities.note))
        self.assertNotIn("Email", str(activities.note))
        # no second open activity for the same customer
        self.assertFalse(self.analytics._analytics_create_winback_activities())
        # an active customer is not a candidate
        consenting.crm_analytics_id.forecast_p_alive = 0.9
        self.assertNotIn(consenting, self.analytics._analytics_winback_candidates())


class TestAffinity(AnalyticsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Categ = cls.env["product.category"]
        cls.cat_a, cls.cat_b, cls.cat_c = Categ.create(
            [{"name": "Aff A"}, {"name": "Aff B"}, {"name": "Aff C"}]
        )
        a, b, c = cls.cat_a, cls.cat_b, cls.cat_c
        cls.c1, cls.c2, cls.c3, cls.c4, cls.c5 = cls._customers(5, "Basket")
        today = datetime.date.today()
        cls._events(
            [
                (cls.c1, today, 10.0, None, None, a | b),
                (cls.c2, today, 10.0, None, None, a),
                (cls.c2, today, 10.0, None, None, b | c),
                (cls.c3, today, 10.0, None, None, a | c),
                (cls.c4, today, 10.0, None, None, b),
                (cls.c5, today, 10.0, None, None, a),
            ]
        )
        cls.env["crm.category.affinity"]._refresh(min_customers=1)

    def test_rules(self):
        a, b, c = self.cat_a, self.cat_b, self.cat_c
        expected = {
            (a, b): (0.4, 0.5, 0.5 / 0.6, 2),
            (b, a): (0.4, 2 / 3, (2 / 3) / 0.8, 2),
            (a, c): (0.4, 0.5, 1.25, 2),
            (c, a): (0.4, 1.0, 1.25, 2),
            (b, c): (0.2, 1 / 3, (1 / 3) / 0.4, 1),
            (c, b): (0.2, 0.5, 0.5 / 0.6, 1),
        }
        rules = self.env["crm.category.affinity"].search([])
        self.assertEqual(len(rules), 6)
        for rule in rules:
            support, confidence, lift, customers = expected[rule.antecedent_id, rule.consequent_id]
            self.assertAlmostEqual(rule.support, support)
            self.assertAlmostEqual(rule.confidence, confidence)
            self.assertAlmostEqual(rule.lift, lift)
            self.assertEqual(rule.customers, customers)

    def test_next_best_categories_and_audience(self):
        self.assertEqual(self.c1.next_categ_ids, self.cat_c)
        self.assertEqual(self.c5.next_categ_ids, self.cat_c)
        self.assertFalse((self.c2 | self.c3 | self.c4).next_categ_ids)
        promotions = self.env.ref("crm_privacy_pdpo.purpose_promotions")
        self.env["crm.privacy.consent"].create(
            {
                "partner_id": self.c1.id,
                "purpose_id": promotions.id,
                "channel": "email",
                "kind": "opt_in",
                "grandfathered": True,
            }
        )
        wizard = self.env["crm.affinity.campaign.wizard"].create(
            {"categ_id": self.cat_c.id, "purpose_id": promotions.id, "channel": "email"}
        )
        self.assertEqual(wizard._get_audience(), self.c1)
        action = wizard.action_find()
        self.assertEqual(action["domain"], [("id", "in", [self.c1.id])])


class TestAnalyticsAccess(AnalyticsCommon):
    def test_roles(self):
        run = self.env["crm.forecast.run"].create(
            {"name": "Manual", "calibration_end": D(2025, 1, 1)}
        )
        for user in (self.analyst, self.manager_a, self.retail_admin):
            self.assertEqual(run.with_user(user).name, "Manual")
        with self.assertRaises(AccessError):
            run.with_user(self.staff_a).read(["name"])
        with self.assertRaises(AccessError):
            run.with_user(self.analyst).write({"name": "Changed"})
        with self.assertRaises(AccessError):
            self.env["crm.forecast.run"].with_user(self.manager_a)._check_analytics_admin()
        self.env["crm.forecast.run"].with_user(self.retail_admin)._check_analytics_admin()
