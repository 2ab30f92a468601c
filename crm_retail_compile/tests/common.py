import datetime
import importlib.util
import os

from odoo.tests.common import TransactionCase, new_test_user
from odoo.tools import SQL


def load_migration(version, script="post-migrate.py"):
    """The migration script of ``version`` as a module, to call its migrate()."""
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations", version, script)
    spec = importlib.util.spec_from_file_location(f"crm_migration_{version}", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


class RetailCommon(TransactionCase):
    """Two branches, one user per role, and customers, leads and orders in
    each branch. Built without demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        Branch = cls.env["crm.retail.branch"]
        cls.branch_a = Branch.create({"code": "TA", "name": "Test A", "name_zh": "測試甲"})
        cls.branch_b = Branch.create({"code": "TB", "name": "Test B", "name_zh": "測試乙"})
        cls.district = cls.env.ref("crm_retail_compile.district_cw")
        cls.dept_marketing = cls.env.ref("crm_retail_compile.department_marketing")

        def user(login, groups, branches=None, default=None, department=None):
            u = new_test_user(cls.env, login=login, groups=groups, name=login.title())
            vals = {}
            if branches:
                vals["retail_branch_ids"] = [(6, 0, branches.ids)]
            if default:
                vals["retail_branch_id"] = default.id
            if department:
                vals["retail_department_id"] = department.id
            if vals:
                u.write(vals)
            return u

        staff = "crm_retail_compile.group_branch_staff"
        cls.staff_a = user("t_staff_a", staff, cls.branch_a, cls.branch_a)
        cls.staff_a2 = user("t_staff_a2", staff, cls.branch_a, cls.branch_a)
        cls.staff_b = user("t_staff_b", staff, cls.branch_b, cls.branch_b)
        cls.manager_a = user(
            "t_manager_a", "crm_retail_compile.group_branch_manager", cls.branch_a, cls.branch_a
        )
        cls.analyst = user(
            "t_analyst",
            "crm_retail_compile.group_department_analyst",
            cls.branch_a,
            department=cls.dept_marketing,
        )
        cls.retail_admin = user("t_retail_admin", "crm_retail_compile.group_retail_admin")
        cls.privacy_officer = user("t_privacy", "crm_privacy_pdpo.group_privacy_officer")
        cls.internal = user("t_internal", "base.group_user,sales_team.group_sale_salesman")

        Partner = cls.env["res.partner"]
        cls.cust_a = Partner.create(
            {"name": "Customer A", "is_retail_customer": True, "retail_branch_id": cls.branch_a.id}
        )
        cls.cust_a2 = Partner.create(
            {"name": "Customer A2", "is_retail_customer": True, "retail_branch_id": cls.branch_a.id}
        )
        cls.cust_b = Partner.create(
            {"name": "Customer B", "is_retail_customer": True, "retail_branch_id": cls.branch_b.id}
        )
        cls.vendor = Partner.create({"name": "Gold Supplier Ltd", "is_company": True})

        Lead = cls.env["crm.lead"]
        cls.lead_a_own = Lead.create(
            {"name": "A own", "user_id": cls.staff_a.id, "retail_branch_id": cls.branch_a.id}
        )
        cls.lead_a_other = Lead.create(
            {"name": "A other", "user_id": cls.staff_a2.id, "retail_branch_id": cls.branch_a.id}
        )
        cls.lead_a_free = Lead.create(
            {"name": "A free", "user_id": False, "retail_branch_id": cls.branch_a.id}
        )
        cls.lead_b = Lead.create(
            {"name": "B", "user_id": cls.staff_b.id, "retail_branch_id": cls.branch_b.id}
        )

        cls.product = cls.env["product.product"].create(
            {"name": "18K Gold Ring", "list_price": 5000.0, "standard_price": 3000.0}
        )
        Order = cls.env["sale.order"]

        def order(partner, salesman, branch):
            return Order.create(
                {
                    "partner_id": partner.id,
                    "user_id": salesman.id,
                    "retail_branch_id": branch.id,
                    "order_line": [(0, 0, {"product_id": cls.product.id, "product_uom_qty": 1})],
                }
            )

        cls.order_a_own = order(cls.cust_a, cls.staff_a, cls.branch_a)
        cls.order_a_other = order(cls.cust_a2, cls.staff_a2, cls.branch_a)
        cls.order_b = order(cls.cust_b, cls.staff_b, cls.branch_b)
        cls.all_customers = cls.cust_a | cls.cust_a2 | cls.cust_b

    @classmethod
    def _forecast_history(cls, prefix, count, cal_start, cal_end):
        """``count`` retail customers alternately of branch A and B, each
        with a few weekly-spaced order events in the calibration window
        (``cal_start``) and some after it (``cal_end``), inserted in one
        statement. The forecast tests' shared history."""
        customers = cls.env["res.partner"].create(
            [
                {
                    "name": f"{prefix} {i}",
                    "is_retail_customer": True,
                    "retail_branch_id": (cls.branch_a if i % 2 == 0 else cls.branch_b).id,
                }
                for i in range(count)
            ]
        )
        days, partners, revenues = [], [], []
        for i, customer in enumerate(customers):
            first = cal_start + datetime.timedelta(days=7 * (i % 6))
            spacing = 10 + 5 * (i % 4)
            dates = [first + datetime.timedelta(days=spacing * k) for k in range(i % 5 + 1)]
            dates += [cal_end + datetime.timedelta(days=10 + 25 * j) for j in range(i % 4)]
            for day in dates:
                days.append(day)
                partners.append(customer.id)
                revenues.append(100.0 + i)
        cls.env.execute_query(
            SQL(
                """
                INSERT INTO crm_sales_event (event_type, event_date, name, partner_id, revenue,
                    cost, margin, is_revenue, company_id, currency_id,
                    create_uid, create_date, write_uid, write_date)
                SELECT 'order_confirmed', v.day + TIME '04:00', 'T', v.partner, v.revenue, 0,
                       v.revenue, TRUE, %(company)s, %(currency)s, 1, NOW(), 1, NOW()
                  FROM unnest(%(days)s::date[], %(partners)s::int[], %(revenues)s::numeric[])
                       AS v(day, partner, revenue)
                """,
                company=cls.env.company.id,
                currency=cls.env.company.currency_id.id,
                days=days,
                partners=partners,
                revenues=revenues,
            )
        )
        return customers

    def visible(self, user, records):
        """The subset of ``records`` that ``user`` can see."""
        return records.with_user(user).search([("id", "in", records.ids)])


class AdhocRunMixin:
    """Runs of the query tool and their figures, for the tests of the
    pre-aggregated sources (rollup, monthly cells): a run with a source
    turned on or off by its context key, the model it read, its lines as
    {(dimension values...): {measure: value}}, compared to the cent."""

    ADHOC_DEFAULTS = {}
    ADHOC_OFF_KEY = None  # the context key that turns the source off

    def adhoc(self, user, source_on=True, **values):
        for key, value in self.ADHOC_DEFAULTS.items():
            values.setdefault(key, value)
        Query = self.Query.with_context(**{self.ADHOC_OFF_KEY: not source_on})
        run = self.Run.browse(Query.with_user(user).run_adhoc(values))
        self.assertEqual(run.state, "done", run.error)
        return run

    def source(self, run):
        """The model the run's query reads."""
        return run.with_context(crm_report_foreground=True)._compile().dataset.model

    def rows(self, run):
        """{(dimension values...): {measure: value}} of the run's lines."""
        specs = run._column_specs()
        keys = [s["slot"] for s in specs if s["kind"] in ("char", "date")]
        measures = {s["code"]: s["slot"] for s in specs if s["kind"] not in ("char", "date")}
        return {
            tuple(str(line[k]) for k in keys): {c: line[s] for c, s in measures.items()}
            for line in run.line_ids
        }

    def assertSameFigures(self, got, expected):
        self.assertEqual(set(got), set(expected))
        for key, figures in expected.items():
            for code, value in figures.items():
                with self.subTest(group=key, measure=code):
                    self.assertAlmostEqual(float(got[key][code] or 0), value, places=2)
