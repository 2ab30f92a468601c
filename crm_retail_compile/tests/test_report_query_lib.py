"""Pure tests of lib/report_query.py (no database): the validation and
normalisation of the query tool's queries."""

import datetime
import unittest

from ..lib import report_engine as engine
from ..lib import report_query as rq

D = datetime.date


def _bounds(code, today):
    return (today.replace(day=1), today) if code == "this_month" else (None, None)


class TestReportQueryLib(unittest.TestCase):
    def assertQueryError(self, code, func, *args, **kwargs):
        with self.assertRaises(rq.QueryError) as caught:
            func(*args, **kwargs)
        self.assertEqual(caught.exception.code, code)
        return caught.exception.params

    def test_split_codes(self):
        self.assertEqual(rq.split_codes(" a, ,b ,"), ["a", "b"])
        self.assertEqual(rq.split_codes(False), [])

    def test_dimension_codes_put_the_period_first(self):
        query = rq.Query("sales_events", dimensions=("branch",), period="month")
        self.assertEqual(query.dimension_codes(), ["period", "branch"])
        self.assertEqual(rq.Query("x", dimensions=("b",)).dimension_codes(), ["b"])

    def test_from_template(self):
        query = rq.Query.from_template("ds", "period, branch", "revenue,orders", "week", False, "x")
        self.assertEqual(query.dimensions, ("branch",))
        self.assertEqual(query.measures, ("revenue", "orders"))
        self.assertEqual(query.period, "week")
        self.assertEqual(query.filter_domain, "[]")
        self.assertEqual(
            rq.Query.from_template("ds", "branch", "r", "week", "[]", "x").period, "none"
        )

    def test_same_content(self):
        template = rq.Query.from_template("ds", "period,branch", "a,b", "month", "[]", "aggregated")
        query = rq.Query(
            "ds", ("branch",), ("b", "a"), "month", filter_domain=" [ ] ", chart_type="pie"
        )
        self.assertTrue(query.same_content(template), "order, spaces and chart aside")
        self.assertFalse(rq.Query("ds", ("branch",), ("a",), "month").same_content(template))
        self.assertFalse(rq.Query("ds", ("branch",), ("a", "b"), "week").same_content(template))
        self.assertFalse(rq.Query("ds", ("branch",), ("a", "b"), "none").same_content(template))
        self.assertFalse(
            rq.Query("ds", ("branch",), ("a", "b"), "month", detail="customer").same_content(
                template
            )
        )
        self.assertFalse(
            rq.Query("ds", ("branch",), ("a", "b"), "month", filter_domain="[(").same_content(
                template
            ),
            "a filter that does not parse matches nothing",
        )
        self.assertFalse(
            rq.Query(
                "ds", ("branch",), ("a", "b"), "month", filter_domain="[('x', '=', 1)]"
            ).same_content(template)
        )

    def test_width_limits(self):
        dims = tuple(f"d{i}" for i in range(engine.MAX_DIMENSIONS))
        rq.Query("ds", dims, ("m",), "month").check_width()  # the period aside
        params = self.assertQueryError("too_wide", rq.Query("ds", (*dims, "x"), ("m",)).check_width)
        self.assertEqual(
            params, {"count": engine.MAX_DIMENSIONS + 1, "limit": engine.MAX_DIMENSIONS}
        )
        # customer columns count as dimensions, "name" aside
        customer = rq.Query(
            "ds", dims[:-1], ("m",), detail="customer", customer_columns="name,tier,district"
        )
        self.assertEqual(self.assertQueryError("too_wide", customer.check_width)["count"], 11)
        measures = tuple(f"m{i}" for i in range(engine.MAX_MEASURES + 1))
        params = self.assertQueryError(
            "too_many_measures", rq.Query("ds", (), measures).check_width
        )
        self.assertEqual(params["limit"], engine.MAX_MEASURES)

    def test_template_values_and_defaults(self):
        query = rq.Query(
            "ds",
            ("branch",),
            ("revenue",),
            period="none",
            date_range="custom",
            filter_domain=False,
            customer_columns=False,
            sensitivity_ceiling="restricted",
            chart_measure=False,
        )
        values = query.template_values(7, "confidential")
        self.assertEqual(values["dimensions"], "branch")
        self.assertEqual(values["period"], "month")
        self.assertEqual(values["date_range"], "all")
        self.assertEqual(values["filter_domain"], "[]")
        self.assertEqual(values["customer_columns"], "")
        self.assertEqual(values["sensitivity_ceiling"], "confidential", "capped at clearance")
        self.assertIs(values["chart_measure"], False)
        self.assertEqual(values["retail_department_id"], 7)
        lower = rq.Query("ds", (), ("r",), sensitivity_ceiling="public")
        self.assertEqual(lower.template_values(7, False)["sensitivity_ceiling"], "public")
        self.assertEqual(
            rq.Query("ds", (), ("r",), sensitivity_ceiling=False).template_values(7, False)[
                "sensitivity_ceiling"
            ],
            "internal",
        )

    def test_adhoc_code_is_stable_per_query_and_user(self):
        values = rq.Query("ds", ("a",), ("m",), "month").template_values(3, "internal")
        code = rq.adhoc_code(5, values)
        self.assertTrue(code.startswith("adhoc_5_"))
        self.assertEqual(len(code), len("adhoc_5_") + 24)
        self.assertEqual(code, rq.adhoc_code(5, dict(reversed(values.items()))))
        self.assertNotEqual(code, rq.adhoc_code(6, values))
        self.assertNotEqual(code, rq.adhoc_code(5, dict(values, measures="n")))

    def test_precalc_dataset(self):
        precalc = engine.Dataset("x.p", "P", "d", None, {}, {})
        live = engine.Dataset("x.l", "L", "d", None, {}, {}, precalc=precalc)
        datasets = {"live": live, "pre": precalc}
        self.assertEqual(rq.precalc_dataset("live", "precalculated", datasets), "pre")
        self.assertEqual(rq.precalc_dataset("live", "live", datasets), "live")
        self.assertEqual(rq.precalc_dataset("pre", "precalculated", datasets), "pre")
        self.assertEqual(rq.precalc_dataset("gone", "precalculated", datasets), "gone")

    def test_dates(self):
        today = D(2026, 5, 20)
        self.assertEqual(
            rq.run_dates(False, False, "this_month", today, _bounds), (D(2026, 5, 1), today)
        )
        self.assertEqual(
            rq.run_dates(D(2026, 1, 1), False, "this_month", today, _bounds), (D(2026, 1, 1), False)
        )
        self.assertEqual(rq.run_dates(False, False, "custom", today, _bounds), (False, False))
        rq.check_dates(D(2026, 1, 1), D(2026, 1, 1))
        rq.check_dates(D(2026, 1, 2), False)
        self.assertQueryError("dates_order", rq.check_dates, D(2026, 1, 2), D(2026, 1, 1))

    def test_wrong_fields(self):
        dims = [(1, "branch", "ds", "dimension"), (2, "revenue", "ds", "measure")]
        measures = [(3, "orders", "other", "measure"), (2, "revenue", "ds", "measure")]
        self.assertEqual(rq.wrong_fields("ds", dims, measures), ["orders", "revenue"])
        self.assertEqual(rq.wrong_fields("ds", dims[:1], measures[1:]), [])
        params = self.assertQueryError("wrong_fields", rq.check_fields, "ds", dims, [])
        self.assertEqual(params, {"fields": "revenue", "dataset": "ds"})

    def test_filters(self):
        self.assertEqual(rq.parse_filters(False), [])
        self.assertEqual(rq.parse_filters("[('a', '=', 1)]"), [("a", "=", 1)])
        for text in ("__import__('os')", "{}", "[("):
            self.assertQueryError("bad_filters", rq.parse_filters, text)
        self.assertEqual(rq.api_filters([("a", "=", 1)]), "[('a', '=', 1)]")
        self.assertEqual(rq.api_filters("[]"), "[]")
        self.assertQueryError("bad_filters_type", rq.api_filters, 3)

    def test_api_keys_and_types(self):
        self.assertQueryError("not_dict", rq.check_api_keys, ["dataset"])
        params = self.assertQueryError("unknown_keys", rq.check_api_keys, {"zz": 1, "aa": 2})
        self.assertEqual(params, {"keys": "aa, zz"})
        rq.check_api_keys({"dataset": "ds", "measures": []})
        self.assertIsNone(rq.api_template_id({}))
        self.assertEqual(rq.api_template_id({"template_id": 4}), 4)
        for bad in (True, "4", 4.0):
            self.assertQueryError("bad_template_id", rq.api_template_id, {"template_id": bad})
        self.assertEqual(rq.api_codes("measures", ["a"]), ["a"])
        for bad in ("a", [1], None):
            self.assertEqual(
                self.assertQueryError("bad_codes", rq.api_codes, "measures", bad),
                {"key": "measures"},
            )
        self.assertEqual(rq.api_branch_ids(None), [])
        self.assertEqual(rq.api_branch_ids([1, 2]), [1, 2])
        for bad in ([True], ["1"], 1):
            self.assertQueryError("bad_branch_ids", rq.api_branch_ids, bad)

    def test_api_codes_and_choices(self):
        rq.check_missing("ds", "measure", ["a", "b"], ["b", "a"])
        params = self.assertQueryError(
            "no_dimension", rq.check_missing, "ds", "dimension", ["a", "x", "y"], ["a"]
        )
        self.assertEqual(params, {"dataset": "ds", "codes": "x, y"})
        self.assertQueryError("no_measure", rq.check_missing, "ds", "measure", ["x"], [])
        self.assertEqual(rq.api_choice("period", "week", ["none", "week"]), "week")
        params = self.assertQueryError(
            "bad_choice", rq.api_choice, "period", "fortnight", ["none", "week"]
        )
        self.assertEqual(params, {"key": "period", "allowed": "none, week"})

    def test_api_dates(self):
        self.assertEqual(rq.api_dates({}), {})
        self.assertEqual(
            rq.api_dates({"date_from": "2026-01-01", "date_to": ""}),
            {"date_from": D(2026, 1, 1), "date_to": False, "date_range": "custom"},
        )
        for bad in ("01/02/2026", 20260101, "2026-02-30"):
            self.assertEqual(
                self.assertQueryError("bad_date", rq.api_dates, {"date_to": bad}),
                {"key": "date_to"},
            )
        self.assertTrue(rq.needs_range_dates({"date_range": "this_month"}, {}))
        self.assertFalse(rq.needs_range_dates({"date_range": "this_month"}, {"date_to": ""}))
        self.assertFalse(rq.needs_range_dates({"date_range": "custom"}, {}))
        self.assertFalse(rq.needs_range_dates({}, {}))
