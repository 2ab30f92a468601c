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
