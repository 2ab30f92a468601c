import json
import re
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import RetailCommon
from .test_home_tours import RetailTourCase

GROUP = "crm_retail_compile.spreadsheet_dashboard_group_retail_crm"
DEPARTMENT_DASHBOARDS = {
    "sales": "crm_retail_compile.spreadsheet_dashboard_sales",
    "marketing": "crm_retail_compile.spreadsheet_dashboard_marketing",
    "promotion": "crm_retail_compile.spreadsheet_dashboard_promotion",
    "planning": "crm_retail_compile.spreadsheet_dashboard_planning",
    "hr": "crm_retail_compile.spreadsheet_dashboard_hr",
    "finance": "crm_retail_compile.spreadsheet_dashboard_finance",
    "service": "crm_retail_compile.spreadsheet_dashboard_service",
    "management": "crm_retail_compile.spreadsheet_dashboard_management",
}
PRIVACY = "crm_retail_compile.spreadsheet_dashboard_privacy"
# dashboards of add-ons installed on top (the service department's jewellery one)
OPTIONAL = {"service": ["crm_jewellery_ext.spreadsheet_dashboard_jewellery_service"]}
PIVOT_FORMULA = re.compile(r'PIVOT\.(VALUE|HEADER)\((\d+),"([^"]*)"')
LIST_FORMULA = re.compile(r'ODOO\.LIST\((\d+),\d+,"([^"]+)"\)')
SHEET_REF = re.compile(r"^(\w+)!([A-Z]+\d+)$")


def _groupby(dimension):
    """A pivot row or column as a read_group groupby (``month:month``)."""
    if dimension.get("granularity"):
        return "%s:%s" % (dimension["fieldName"], dimension["granularity"])
    return dimension["fieldName"]


SHEET_RANGE = re.compile(r"^(\w+)!([A-Z]+)(\d+):([A-Z]+)(\d+)$")


class TestDashboards(RetailCommon):
    """Department dashboards (spreadsheet_dashboard): each department sees
    its own, the privacy officer the privacy one, administrators all; their
    JSON references only existing models and fields, and their figures are
    computed with the user's record rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.dept = {
            code: ref("crm_retail_compile.department_%s" % code) for code in DEPARTMENT_DASHBOARDS
        }
        cls.staff_a.retail_department_id = cls.dept["sales"]
        cls.manager_a.retail_department_id = cls.dept["sales"]
        cls.analyst_finance = new_test_user(
            cls.env,
            login="t_analyst_finance",
            groups="crm_retail_compile.group_department_analyst",
            name="Finance Analyst",
        )
        cls.analyst_finance.write(
            {
                "retail_branch_ids": [(6, 0, cls.branch_a.ids)],
                "retail_department_id": cls.dept["finance"].id,
            }
        )
        cls.analyst_nodept = new_test_user(
            cls.env,
            login="t_analyst_nodept",
            groups="crm_retail_compile.group_department_analyst",
            name="Analyst Without Department",
        )
        cls.Dashboard = cls.env["spreadsheet.dashboard"]
        cls.group = ref(GROUP)
        # confirmed sales in both branches for the sales analysis
        (cls.order_a_own | cls.order_b).action_confirm()

    # ------------------------------------------------------------ helpers
    def xmlids(self, code):
        ids = [DEPARTMENT_DASHBOARDS[code]]
        ids += [x for x in OPTIONAL.get(code, []) if self.env.ref(x, raise_if_not_found=False)]
        return ids

    def all_dashboards(self):
        return self.Dashboard.search([("dashboard_group_id", "=", self.group.id)])

    def visible(self, user):
        """The Retail CRM dashboards ``user`` finds, as xml ids."""
        found = self.Dashboard.with_user(user).search([("dashboard_group_id", "=", self.group.id)])
        return set(found.sudo().get_external_id().values())

    def data(self, dashboard):
        return json.loads(dashboard.spreadsheet_data)

    # --------------------------------------------------------- visibility
    def test_each_department_sees_its_own_dashboards(self):
        self.assertEqual(self.visible(self.staff_a), set(self.xmlids("sales")))
        self.assertEqual(self.visible(self.manager_a), set(self.xmlids("sales")))
        self.assertEqual(self.visible(self.analyst), set(self.xmlids("marketing")))
        self.assertEqual(self.visible(self.analyst_finance), set(self.xmlids("finance")))
        for code in DEPARTMENT_DASHBOARDS:
            self.analyst_nodept.retail_department_id = self.dept[code]
            self.assertEqual(self.visible(self.analyst_nodept), set(self.xmlids(code)), code)

    def test_privacy_officer_sees_the_privacy_dashboard_only(self):
        self.assertEqual(self.visible(self.privacy_officer), {PRIVACY})
        for user in (self.staff_a, self.manager_a, self.analyst, self.analyst_finance):
            self.assertNotIn(PRIVACY, self.visible(user))

    def test_administrator_sees_every_department(self):
        expected = {x for code in DEPARTMENT_DASHBOARDS for x in self.xmlids(code)}
        self.assertEqual(self.visible(self.retail_admin), expected)

    def test_outsiders_see_none(self):
        self.assertEqual(self.visible(self.analyst_nodept), set())
        self.assertEqual(self.visible(self.internal), set())

    def test_department_change_applies_at_once(self):
        self.assertEqual(self.visible(self.analyst_finance), set(self.xmlids("finance")))
        self.analyst_finance.retail_department_id = self.dept["hr"]
        self.assertEqual(self.visible(self.analyst_finance), set(self.xmlids("hr")))

    def test_other_department_dashboard_refused_by_id(self):
        finance = self.env.ref(DEPARTMENT_DASHBOARDS["finance"])
        privacy = self.env.ref(PRIVACY)
        for dashboard in (finance, privacy):
            with self.assertRaises(AccessError):
                dashboard.with_user(self.analyst).read(["name"])
            with self.assertRaises(AccessError):
                dashboard.with_user(self.analyst).get_readonly_dashboard()
        # own dashboard opens
        marketing = self.env.ref(DEPARTMENT_DASHBOARDS["marketing"]).with_user(self.analyst)
        self.assertIn("snapshot", marketing.get_readonly_dashboard())
        # and a member cannot move a dashboard to its department
        with self.assertRaises(AccessError):
            finance.with_user(self.analyst).write({"crm_department_id": self.dept["marketing"].id})

    def test_public_share_refused(self):
        """A public link would serve the figures outside the branch rules."""
        Share = self.env["spreadsheet.dashboard.share"]
        marketing = self.env.ref(DEPARTMENT_DASHBOARDS["marketing"])
        for user in (self.analyst, self.retail_admin):
            with self.assertRaises(AccessError):
                Share.with_user(user).action_get_share_url(
                    {"dashboard_id": marketing.id, "spreadsheet_data": marketing.spreadsheet_data}
                )
        # Odoo's own dashboards: refused to branch-scoped users too
        other = self.Dashboard.search([("dashboard_group_id", "!=", self.group.id)], limit=1)
        if other:
            with self.assertRaises(AccessError):
                Share.with_user(self.manager_a).create({"dashboard_id": other.id})

    def test_dashboard_loader_groups_as_user(self):
        """What the dashboard action loads: the groups with their published
        dashboards, as the user (the web client's search_read)."""
        groups = (
            self.env["spreadsheet.dashboard.group"]
            .with_user(self.analyst)
            .search_read(
                [("published_dashboard_ids", "!=", False)],
                ["name", "published_dashboard_ids"],
            )
        )
        ours = [g for g in groups if g["id"] == self.group.id]
        self.assertEqual(len(ours), 1)
        marketing = self.env.ref(DEPARTMENT_DASHBOARDS["marketing"])
        self.assertEqual(ours[0]["published_dashboard_ids"], marketing.ids)

    def test_home_offers_the_users_dashboard(self):
        Home = self.env["crm.retail.home"]
        for user, xmlid in (
            (self.analyst, DEPARTMENT_DASHBOARDS["marketing"]),
            (self.manager_a, DEPARTMENT_DASHBOARDS["sales"]),
            (self.privacy_officer, PRIVACY),
        ):
            data = Home.with_user(user).get_home_data()
            cards = [c for s in data["sections"] for c in s["cards"] if c["key"] == "dashboards"]
            self.assertEqual(len(cards), 1, user.login)
            action = cards[0]["action"]
            self.assertEqual(action["tag"], "action_spreadsheet_dashboard")
            self.assertEqual(action["params"]["dashboard_id"], self.env.ref(xmlid).id, user.login)

    # ------------------------------------------------------ JSON content
    def _aggregate(self, model, measure):
        """The read_group spec of a pivot or chart measure, as the web
        client builds it (checked to exist and be aggregatable)."""
        if measure == "__count":
            return "__count"
        fname, _sep, aggregator = measure.partition(":")
        field = self.env[model]._fields.get(fname)
        self.assertTrue(field, f"{model}.{fname} does not exist")
        aggregator = aggregator or field.aggregator
        if not aggregator and field.type == "many2one":
            aggregator = "count_distinct"
        self.assertTrue(aggregator, f"{model}.{fname} cannot be aggregated")
        return f"{fname}:{aggregator}"

    def _check_groupby(self, model, spec):
        fname, _sep, granularity = spec.partition(":")
        field = self.env[model]._fields.get(fname)
        self.assertTrue(field and field.store, f"{model}.{fname} cannot be grouped")
        if granularity:
            self.assertIn(field.type, ("date", "datetime"), f"{model}.{spec}")

    def _check_chain(self, model, matching, filters):
        for filter_id, match in matching.items():
            self.assertIn(filter_id, filters, f"{model}: unknown filter {filter_id}")
            Model = self.env[model]
            parts = match["chain"].split(".")
            for part in parts[:-1]:
                Model = self.env[Model._fields[part].comodel_name]
            field = Model._fields.get(parts[-1])
            self.assertTrue(field, f"{model}: {match['chain']} does not exist")
            flt = filters[filter_id]
            if flt["type"] == "date":
                self.assertEqual(field.type, match["type"], f"{model}.{match['chain']}")
            else:
                self.assertEqual(field.comodel_name, flt["modelName"], f"{model}.{match['chain']}")

    def _check_data_sources(self, data, filters):
        for pivot in data["pivots"].values():
            model = pivot["model"]
            self.assertIn(model, self.env)
            for measure in pivot["measures"]:
                self._aggregate(model, measure["id"])
            for row in pivot["rows"] + pivot["columns"]:
                # "field:month" as fieldName loads but matches no value in
                # Odoo 18: a date grouping goes in "granularity"
                self.assertNotIn(":", row["fieldName"], f"{model}: {row}")
                self._check_groupby(model, _groupby(row))
            self.env[model].search_count(pivot["domain"])  # a valid domain
            self._check_chain(model, pivot["fieldMatching"], filters)
        for lst in data["lists"].values():
            model = lst["model"]
            for fname in lst["columns"] + [o["name"] for o in lst["orderBy"]]:
                self.assertIn(fname, self.env[model]._fields, f"{model}.{fname}")
            self.env[model].search_count(lst["domain"])
            self._check_chain(model, lst["fieldMatching"], filters)

    def _check_cells(self, data, sheet):
        for cell in sheet["cells"].values():
            content = cell.get("content", "")
            for _kind, pid, arg in PIVOT_FORMULA.findall(content):
                pivot = data["pivots"][pid]
                if arg.startswith("#"):
                    self.assertIn(arg[1:], [_groupby(r) for r in pivot["rows"]])
                else:
                    self.assertIn(arg, [m["id"] for m in pivot["measures"]])
            for lid, fname in LIST_FORMULA.findall(content):
                self.assertIn(fname, data["lists"][lid]["columns"])

    def _check_figures(self, data, sheet, filters):
        sheets = {s["name"]: s for s in data["sheets"]}
        for figure in sheet["figures"]:
            chart = figure["data"]
            if chart["type"] == "scorecard":
                for key in ("keyValue", "baseline"):
                    if chart.get(key):
                        name, cell = SHEET_REF.match(chart[key]).groups()
                        self.assertIn(cell, sheets[name]["cells"])
                continue
            if "dataSets" in chart:
                self._check_range_chart(data, chart)
                continue
            self.assertTrue(chart["type"].startswith("odoo_"))
            meta = chart["metaData"]
            model = meta["resModel"]
            self._aggregate(model, meta["measure"])
            for spec in meta["groupBy"]:
                self._check_groupby(model, spec)
            self.env[model].search_count(chart["searchParams"]["domain"])
            self._check_chain(model, chart["fieldMatching"], filters)

    def _range_cells(self, data, ref):
        """The cells of a one-column range ``Sheet!A1:A9``, as {row: content}."""
        match = SHEET_RANGE.match(ref)
        self.assertTrue(match, ref)
        name, col, top, col2, bottom = match.groups()
        self.assertEqual(col, col2, f"{ref}: one column per range")
        sheets = {s["name"]: s for s in data["sheets"]}
        self.assertIn(name, sheets, ref)
        cells = sheets[name]["cells"]
        return {
            row: cells.get(f"{col}{row}", {}).get("content", "")
            for row in range(int(top), int(bottom) + 1)
        }

    def _check_range_chart(self, data, chart):
        """A plain o-spreadsheet chart over cells: its label and data ranges
        are filled cells (titles on top when ``dataSetsHaveTitle``)."""
        self.assertIn(chart["type"], ("line", "bar"))
        self.assertTrue(chart["dataSets"])
        ranges = [ds["dataRange"] for ds in chart["dataSets"]] + [chart["labelRange"]]
        for ref in ranges:
            cells = self._range_cells(data, ref)
            self.assertTrue(all(cells.values()), f"{ref}: empty cells")

    def _chart_series(self, data, chart):
        """The pivot measures a range chart draws, one set per data series."""
        series = []
        for ds in chart["dataSets"]:
            measures = set()
            for content in self._range_cells(data, ds["dataRange"]).values():
                for kind, pid, arg in PIVOT_FORMULA.findall(content):
                    if kind == "VALUE":
                        measures.add((data["pivots"][pid]["model"], arg))
            series.append(measures)
        return series

    def test_planning_chart_shows_forecast_actual_and_naive_together(self):
        """One chart of the planning dashboard draws the forecast, the actual
        and the naive baseline purchases by month, in month order."""
        data = self.data(self.env.ref(DEPARTMENT_DASHBOARDS["planning"]))
        charts = [
            f["data"]
            for sheet in data["sheets"]
            for f in sheet["figures"]
            if f["tag"] == "chart" and "dataSets" in f["data"]
        ]
        model = "crm.forecast.run.line"
        expected = [
            {(model, "forecast_purchases")},
            {(model, "actual_purchases")},
            {(model, "naive_purchases")},
        ]
        found = [c for c in charts if self._chart_series(data, c) == expected]
        self.assertEqual(len(found), 1, "no chart with the three series")
        chart = found[0]
        self.assertEqual(chart["type"], "line")
        self.assertTrue(chart["dataSetsHaveTitle"])
        self.assertNotEqual(chart["legendPosition"], "none")
        # series titles and month labels: translated texts, then the months
        # of the same pivot (unsorted by measure, so in date order)
        labels = list(self._range_cells(data, chart["labelRange"]).values())
        self.assertTrue(labels[0].startswith('=_t("'))
        pids = set()
        for content in labels[1:]:
            [(kind, pid, arg)] = PIVOT_FORMULA.findall(content)
            self.assertEqual((kind, arg), ("HEADER", "#month:month"))
            pids.add(pid)
        for ds in chart["dataSets"]:
            cells = list(self._range_cells(data, ds["dataRange"]).values())
            self.assertTrue(cells[0].startswith('=_t("'))
            pids.update(pid for c in cells[1:] for _k, pid, _a in PIVOT_FORMULA.findall(c))
        self.assertEqual(len(pids), 1)
        pivot = data["pivots"][pids.pop()]
        self.assertIsNone(pivot["sortedColumn"])
        self.assertEqual(
            pivot["rows"], [{"fieldName": "month", "granularity": "month", "order": "asc"}]
        )
        # the latest evaluation the user sees, never the sum of all (test_forecast_latest)
        self.assertEqual(
            pivot["domain"], [["group_type", "=", "month"], ["shown_latest", "=", True]]
        )
        # the separate one-measure charts are gone
        odoo_charts = [
            f["data"]["metaData"]
            for sheet in data["sheets"]
            for f in sheet["figures"]
            if f["data"].get("metaData", {}).get("resModel") == model
        ]
        self.assertEqual(odoo_charts, [])

    def test_json_references_existing_models_and_fields(self):
        dashboards = self.all_dashboards()
        self.assertGreaterEqual(len(dashboards), 9)
        for dashboard in dashboards:
            with self.subTest(dashboard=dashboard.name):
                data = self.data(dashboard)
                self.assertEqual(data["version"], 21)
                filters = {f["id"]: f for f in data["globalFilters"]}
                for flt in filters.values():
                    if flt["type"] == "relation":
                        self.assertIn(flt["modelName"], self.env)
                self._check_data_sources(data, filters)
                for sheet in data["sheets"]:
                    self._check_cells(data, sheet)
                    self._check_figures(data, sheet, filters)

    def _sources(self, data):
        """Every read of a dashboard as (kind, model, domain, fields, groupby)."""
        for pivot in data["pivots"].values():
            model = pivot["model"]
            aggregates = [self._aggregate(model, m["id"]) for m in pivot["measures"]]
            groupby = [_groupby(r) for r in pivot["rows"]]
            yield "group", model, pivot["domain"], aggregates, groupby
        for lst in data["lists"].values():
            yield "list", lst["model"], lst["domain"], lst["columns"], []
        for sheet in data["sheets"]:
            for figure in sheet["figures"]:
                meta = figure["data"].get("metaData")
                if meta:
                    model = meta["resModel"]
                    aggregates = [self._aggregate(model, meta["measure"])]
                    domain = figure["data"]["searchParams"]["domain"]
                    yield "group", model, domain, aggregates, meta["groupBy"]

    def _read(self, user, kind, model, domain, fields, groupby):
        Model = self.env[model].with_user(user)
        if kind == "list":
            return Model.search_read(domain, fields, limit=10)
        fields = [f for f in fields if f != "__count"]
        return Model.read_group(domain, fields, groupby, lazy=False)

    def test_every_figure_computes_for_its_audience(self):
        """Each data source of a dashboard reads without error as the users
        who see the dashboard (rights of the models and fields)."""
        users = [
            self.staff_a,
            self.manager_a,
            self.analyst,
            self.analyst_finance,
            self.privacy_officer,
            self.retail_admin,
        ]
        for code in DEPARTMENT_DASHBOARDS:
            users.append(
                new_test_user(
                    self.env,
                    login="t_dash_%s" % code,
                    groups="crm_retail_compile.group_department_analyst",
                    retail_department_id=self.dept[code].id,
                    retail_branch_ids=[(6, 0, self.branch_a.ids)],
                )
            )
        for user in users:
            for dashboard in self.Dashboard.with_user(user).search(
                [("dashboard_group_id", "=", self.group.id)]
            ):
                data = self.data(dashboard.sudo())
                for source in self._sources(data):
                    with self.subTest(
                        user=user.login, dashboard=dashboard.sudo().name, model=source[1]
                    ):
                        self._read(user, *source)

    def test_pivot_respects_branch_rules(self):
        """The sales dashboard's branch pivot, read as the branch manager,
        holds only its branch; the administrator sees both."""
        data = self.data(self.env.ref(DEPARTMENT_DASHBOARDS["sales"]))
        pivot = next(
            p
            for p in data["pivots"].values()
            if p["model"] == "sale.report"
            and [r["fieldName"] for r in p["rows"]] == ["retail_branch_id"]
        )
        source = next(s for s in self._sources({"pivots": {"1": pivot}, "lists": {}, "sheets": []}))
        mine = self._read(self.manager_a, *source)
        # records without a branch (Odoo's own demo orders) are visible to all
        # branch-scoped users, as everywhere in the suite
        branches = {g["retail_branch_id"][0] for g in mine if g["retail_branch_id"]}
        self.assertEqual(branches, {self.branch_a.id})
        everyone = self._read(self.retail_admin, *source)
        branches = {g["retail_branch_id"][0] for g in everyone if g["retail_branch_id"]}
        self.assertLessEqual({self.branch_a.id, self.branch_b.id}, branches)
        # the totals of the KPIs follow the same rule
        kpi = next(
            p for p in data["pivots"].values() if p["model"] == "sale.report" and not p["rows"]
        )
        spec = ["price_subtotal:sum"]
        total = self._read(self.manager_a, "group", kpi["model"], kpi["domain"], spec, [])
        expected = self.env["sale.report"].search(
            [("retail_branch_id", "in", [self.branch_a.id, False])] + kpi["domain"]
        )
        self.assertAlmostEqual(total[0]["price_subtotal"], sum(expected.mapped("price_subtotal")))
        self.assertIn(self.order_a_own.name, expected.mapped("name"))
        self.assertNotIn(self.order_b.name, expected.mapped("name"))


@tagged("post_install", "-at_install")
class TestDashboardTours(RetailTourCase):
    """In Chromium, as each demo role: every Retail CRM dashboard it sees
    loads in o-spreadsheet and no cell evaluates to an error (the JSON is
    valid for Odoo 18's o-spreadsheet and every read is allowed)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # monthly forecast lines (none in the demo), so the planning
        # dashboard's forecast/actual/naive chart evaluates with data
        today = date.today().replace(day=1)
        cls.env["crm.forecast.run"].sudo().create(
            {
                "name": "Dashboard tour evaluation",
                "run_type": "evaluation",
                "calibration_end": today - relativedelta(months=6),
                "line_ids": [
                    Command.create(
                        {
                            "group_type": "month",
                            "month": today - relativedelta(months=i),
                            "forecast_purchases": 100.0 + i,
                            "actual_purchases": 90.0 + 2 * i,
                            "naive_purchases": 80.0,
                        }
                    )
                    for i in range(1, 7)
                ],
            }
        )

    def _evaluate(self, role):
        self.start_tour(
            "/odoo/action-crm_retail_compile.spreadsheet_dashboard_action_retail",
            "crm_retail_dashboards_evaluate",
            login=self.users[role].login,
            timeout=240,
        )

    def test_admin_dashboards_evaluate(self):
        self._evaluate("admin")

    def test_manager_dashboard_evaluates(self):
        self._evaluate("manager")

    def test_privacy_dashboard_evaluates(self):
        self._evaluate("privacy")
