"""Forecast runs per sales channel (issue 21): each customer's forecast split by
their share of calibration purchases per channel, against the holdout
purchases made in the channel. Orders without a channel count as in store."""

import datetime

import numpy as np

from odoo.tools import SQL

from ..lib.analytics import btyd
from .test_analytics import AnalyticsCommon

D = datetime.date


class TestForecastChannel(AnalyticsCommon):
    CAL_START, CAL_END, HOLDOUT_END = D(2024, 1, 1), D(2024, 6, 30), D(2024, 8, 31)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls._customers(30, "Channel")
        rows, channels, cls.expected = [], [], []
        for i, customer in enumerate(cls.customers):
            first = cls.CAL_START + datetime.timedelta(days=7 * (i % 6))
            spacing = 10 + 5 * (i % 4)
            repeats = i % 5
            days = [first + datetime.timedelta(days=spacing * k) for k in range(repeats + 1)]
            holdout = [cls.CAL_END + datetime.timedelta(days=10 + 25 * j) for j in range(i % 4)]
            # even customers buy in store (every fourth without a recorded
            # channel: counted in store), odd ones online and now and then in store
            cal_channels = [
                (None if i % 4 == 0 else "store")
                if i % 2 == 0
                else ("store" if (i + k) % 3 == 0 else "online")
                for k in range(len(days))
            ]
            hold_channels = ["online" if (i + j) % 2 else "store" for j in range(len(holdout))]
            rows += [(customer, day, 100.0 + i) for day in days + holdout]
            channels += [
                (customer.id, day, channel)
                for day, channel in zip(days + holdout, cal_channels + hold_channels, strict=True)
            ]
            cls.expected.append(
                {
                    "x": repeats,
                    "t_x": (days[-1] - first).days,
                    "T": (cls.CAL_END - first).days,
                    "store": sum(1 for c in cal_channels if c in (None, "store")),
                    "online": cal_channels.count("online"),
                }
            )
        cls._events(rows)
        kept = [row for row in channels if row[2]]
        cls.env.cr.execute(
            SQL(
                """
                UPDATE crm_sales_event e SET sales_channel = v.channel
                  FROM unnest(%s::int[], %s::date[], %s::varchar[]) AS v(partner, day, channel)
                 WHERE e.partner_id = v.partner AND e.event_date::date = v.day
                """,
                [row[0] for row in kept],
                [row[1] for row in kept],
                [row[2] for row in kept],
            )
        )
        cls.env["crm.sales.event"].invalidate_model()
        cls.evaluation = cls.env["crm.forecast.run"]._run_evaluation(
            cls.CAL_START, cls.CAL_END, cls.HOLDOUT_END
        )

    def _channel_line(self, run, channel):
        return run.line_ids.filtered(
            lambda li: li.group_type == "channel" and li.sales_channel == channel
        )

    def test_channel_lines_split_the_overall_forecast(self):
        run = self.evaluation
        lines = run.line_ids.filtered(lambda li: li.group_type == "channel")
        self.assertEqual(
            sorted(lines.mapped("sales_channel")), ["online", "phone", "store", "wholesale"]
        )
        store, online = self._channel_line(run, "store"), self._channel_line(run, "online")
        self.assertGreater(store.customers, 0)
        self.assertGreater(online.customers, 0)
        self.assertFalse(self._channel_line(run, "wholesale").customers)
        # stored with two decimals
        self.assertAlmostEqual(
            sum(lines.mapped("forecast_purchases")), run.forecast_purchases, delta=0.05
        )
        self.assertAlmostEqual(
            sum(lines.mapped("naive_purchases")), run.naive_purchases, delta=0.05
        )
        overall = run.line_ids.filtered(lambda li: li.group_type == "overall")
        self.assertAlmostEqual(
            sum(lines.mapped("forecast_spend")), overall.forecast_spend, delta=0.05
        )
        # the share rule, by hand: calibration purchases per channel / all
        x = np.array([e["x"] for e in self.expected], dtype=float)
        t_x = np.array([e["t_x"] for e in self.expected], dtype=float) / 7
        T = np.array([e["T"] for e in self.expected], dtype=float) / 7
        t = (self.HOLDOUT_END - self.CAL_END).days / 7
        forecast = btyd.bgnbd_conditional_expected((run.r, run.alpha, run.a, run.b), t, x, t_x, T)
        share = np.array([e["store"] / (x_i + 1) for e, x_i in zip(self.expected, x, strict=True)])
        self.assertAlmostEqual(store.forecast_purchases, (forecast * share).sum(), places=2)
        self.assertAlmostEqual(online.forecast_purchases, (forecast * (1 - share)).sum(), places=2)

    def test_actual_per_channel_is_the_holdout_purchases_there(self):
        counts = dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT COALESCE(sales_channel, 'store'),
                           COUNT(DISTINCT (partner_id, event_date::date))
                      FROM crm_sales_event
                     WHERE partner_id = ANY(%s) AND revenue > 0
                       AND event_date::date > %s AND event_date::date <= %s
                     GROUP BY 1
                    """,
                    self.customers.ids,
                    self.CAL_END,
                    self.HOLDOUT_END,
                )
            )
        )
        self.assertTrue(counts.get("store") and counts.get("online"))
        for channel in ("store", "online", "wholesale", "phone"):
            line = self._channel_line(self.evaluation, channel)
            self.assertEqual(line.actual_purchases, counts.get(channel, 0), channel)
        self.assertEqual(
            sum(
                self.evaluation.line_ids.filtered(lambda li: li.group_type == "channel").mapped(
                    "actual_purchases"
                )
            ),
            self.evaluation.actual_purchases,
        )

    def test_customers_without_a_channel_count_in_store(self):
        # even customers buy in store only, every fourth without a channel
        store_only = {c.id for i, c in enumerate(self.customers) if i % 2 == 0}
        line = self._channel_line(self.evaluation, "store")
        # the store line counts the store-only customers and the odd ones who
        # bought in store in the calibration period or the holdout
        self.assertGreaterEqual(line.customers, len(store_only))
        rows = self.env.execute_query(
            SQL(
                """
                WITH %s
                SELECT DISTINCT channel FROM channel_purchases WHERE pid = ANY(%s)
                """,
                self.analytics._analytics_purchase_ctes(self.CAL_END, self.CAL_START),
                [self.customers[0].id],
            )
        )
        self.assertEqual(rows, [("store",)])

    def test_nightly_forecast_has_channel_lines(self):
        run = self.analytics._analytics_refresh_forecast(self.HOLDOUT_END)
        lines = run.line_ids.filtered(lambda li: li.group_type == "channel")
        self.assertTrue(self._channel_line(run, "store").customers)
        self.assertTrue(self._channel_line(run, "online").customers)
        self.assertAlmostEqual(
            sum(lines.mapped("forecast_purchases")), run.forecast_purchases, delta=0.05
        )
        self.assertAlmostEqual(
            sum(lines.mapped("naive_purchases")), run.naive_purchases, delta=0.05
        )
        self.assertFalse(any(lines.mapped("actual_purchases")))
