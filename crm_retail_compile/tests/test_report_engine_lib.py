"""Pure tests of lib/report_engine.py (no database): the engine knows only the
datasets its caller passes (the database's, see crm.report.template)."""

import dataclasses
import unittest

from odoo.tools import SQL
from odoo.tools.query import Query

from ..lib import report_engine as engine

TOYS = engine.Dataset(
    model="x.toy",
    label="Toys",
    date_field="sold_on",
    customer_field="partner_id",
    dimensions={"colour": engine.Dimension("colour", "Colour", "selection")},
    measures={
        "sold": engine.Measure("Sold", ("count", "id")),
        "revenue": engine.Measure("Revenue", ("sum", "amount"), currency=True),
    },
)


def _compile(spec, datasets):
    query = Query(None, "x_toy")

    def field_sql(path):
        return SQL.identifier("x_toy", path)

    def label_sql(path):
        return field_sql(path), [field_sql(path)]

    return engine.compile_report(spec, datasets, query, field_sql, label_sql)


class TestReportEngineDatasets(unittest.TestCase):
    def test_compiles_with_an_explicit_dataset_set(self):
        spec = engine.ReportSpec("toys", ["colour", "period"], ["sold", "revenue"])
        compiled = _compile(spec, {"toys": TOYS})
        self.assertIs(compiled.dataset, TOYS)
        self.assertEqual(
            [code for code, _label, _kind in compiled.columns],
            ["colour", "period", "sold", "revenue"],
        )
        code = compiled.query.code
        self.assertIn('COUNT("x_toy"."id")', code)
        self.assertIn('COALESCE(SUM("x_toy"."amount"), 0)', code)
        self.assertIn('GROUP BY "x_toy"."colour"', code)

    def test_unknown_unless_passed(self):
        spec = engine.ReportSpec("toys", ["colour"], ["sold"])
        # the engine has no global registry: a dataset not passed is unknown,
        # even when another database (or test) used it before
        with self.assertRaisesRegex(engine.ReportSpecError, "Unknown dataset 'toys'"):
            _compile(spec, engine.BASE_DATASETS)
        with self.assertRaisesRegex(engine.ReportSpecError, "Unknown dataset 'toys'"):
            spec.validate({})
        self.assertNotIn("toys", engine.BASE_DATASETS)

    def test_importing_an_addon_registers_nothing(self):
        before = dict(engine.BASE_DATASETS)
        from odoo.addons.crm_jewellery_ext.lib import datasets  # noqa: F401

        self.assertEqual(engine.BASE_DATASETS, before)
        self.assertNotIn("reviews", engine.BASE_DATASETS)
        self.assertFalse(hasattr(engine, "register_dataset"))

    def test_base_datasets_validate(self):
        spec = engine.ReportSpec("sales_events", ["period", "branch"], ["revenue", "profit"])
        self.assertIs(spec.validate(engine.BASE_DATASETS), engine.SALES_EVENTS)
        bad = engine.ReportSpec("sales_events", ["colour"], ["revenue"])
        with self.assertRaisesRegex(engine.ReportSpecError, "no dimension 'colour'"):
            bad.validate(engine.BASE_DATASETS)


class TestReportEngineTypes(unittest.TestCase):
    # the toys with more kinds of measures
    RATIOS = dataclasses.replace(
        TOYS,
        measures={
            **TOYS.measures,
            "buyers": engine.Measure("Buyers", ("count_distinct", "partner_id")),
            "cost": engine.Measure("Cost", ("sum", "cost"), currency=True),
            "margin": engine.Measure("Margin %", ("ratio", "revenue", "cost", 100), percent=True),
            "avg_price": engine.Measure("Average Price", ("avg", "amount"), currency=True),
        },
    )

    def test_columns_are_typed_and_ratios_carry_their_parts(self):
        spec = engine.ReportSpec(
            "toys", ["colour"], ["sold", "buyers", "revenue", "margin", "avg_price"]
        )
        compiled = _compile(spec, {"toys": self.RATIOS})
        self.assertEqual(
            [kind for _code, _label, kind in compiled.columns],
            ["char", "integer", "integer", "monetary", "percent", "monetary"],
        )
        self.assertEqual(compiled.aggregations, [None, "sum", "distinct", "sum", "ratio", "ratio"])
        # two hidden columns per ratio, after the visible ones
        self.assertEqual(compiled.parts, {4: (6, 7), 5: (8, 9)})
        self.assertEqual(compiled.dimension_indexes, [0])
        code = compiled.query.code
        self.assertIn('COUNT("x_toy"."amount")::float', code)

    def test_a_spec_wider_than_a_result_is_refused(self):
        wide = engine.ReportSpec("toys", ["colour"], ["sold"] * (engine.MAX_MEASURES + 1))
        with self.assertRaisesRegex(engine.ReportSpecError, "at most 10"):
            wide.validate({"toys": self.RATIOS})
        self.assertEqual(wide.width(), (1, engine.MAX_MEASURES + 1))


class TestReportEngineGrandTotal(unittest.TestCase):
    """``with_total``: the grand-total row (true distinct counts) comes from
    the same query, marked by GROUPING(), never from a second query."""

    DATASETS = {"toys": TestReportEngineTypes.RATIOS}

    def compile(self, spec, **kwargs):
        query = Query(None, "x_toy")

        def field_sql(path):
            return SQL.identifier("x_toy", path)

        def label_sql(path):
            return SQL("%s::text", field_sql(path)), [field_sql(path)]

        return engine.compile_report(spec, self.DATASETS, query, field_sql, label_sql, **kwargs)

    def test_grouping_sets_with_the_empty_set_and_a_marker(self):
        spec = engine.ReportSpec("toys", ["colour", "period"], ["revenue", "buyers", "margin"])
        compiled = self.compile(spec, with_total=True)
        code = compiled.query.code
        period = (
            'date_trunc(%s, timezone(%s, timezone(\'UTC\', "x_toy"."sold_on"::timestamp)))::date'
        )
        self.assertIn(f'GROUP BY GROUPING SETS (("x_toy"."colour", {period}), ())', code)
        # the marker is the last column, after the ratio's parts: the
        # visible columns and the parts keep their indexes
        self.assertEqual(compiled.parts, {4: (5, 6)})
        self.assertEqual(compiled.total_index, 7)
        self.assertEqual(compiled.columns[-1][0], "margin")
        select = code.split(" FROM ")[0]
        self.assertTrue(select.endswith('GROUPING("x_toy"."colour")'), select)
        # the order of the groups is unchanged
        self.assertIn(f'ORDER BY "x_toy"."colour", {period}', code)
        # one query: no statement of its own for the total
        self.assertEqual(code.count("SELECT"), 1)
        self.assertEqual(code.count("GROUPING("), 1)

    def test_the_period_alone_is_a_grouping(self):
        spec = engine.ReportSpec("toys", ["period"], ["buyers"])
        compiled = self.compile(spec, with_total=True)
        self.assertEqual(compiled.total_index, 2)
        self.assertIn("GROUPING(date_trunc(", compiled.query.code)
        self.assertIn("GROUP BY GROUPING SETS ((date_trunc(", compiled.query.code)

    def test_without_total_or_without_groups_no_marker(self):
        spec = engine.ReportSpec("toys", ["colour"], ["revenue", "buyers"])
        compiled = self.compile(spec)
        self.assertIsNone(compiled.total_index)
        self.assertNotIn("GROUPING", compiled.query.code)
        self.assertIn('GROUP BY "x_toy"."colour"', compiled.query.code)
        # one row without dimensions: its own total, no grouping sets
        spec = engine.ReportSpec("toys", [], ["revenue", "buyers"])
        compiled = self.compile(spec, with_total=True)
        self.assertIsNone(compiled.total_index)
        self.assertNotIn("GROUP", compiled.query.code)
        self.assertEqual(len(compiled.columns), 2)

    def test_customer_level_keeps_its_groups(self):
        # the engine honours with_total at any level of detail (the run asks
        # for it on aggregated results only); the customer is a grouping key
        spec = engine.ReportSpec(
            "toys", ["colour"], ["buyers"], detail="customer", customer_columns=[]
        )
        compiled = self.compile(spec, with_total=True, pseudonym_secret="s")
        code = compiled.query.code
        self.assertIn('GROUP BY GROUPING SETS (("x_toy"."colour", "x_toy"."partner_id"), ())', code)
        self.assertEqual(compiled.total_index, 3)
