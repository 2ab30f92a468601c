"""Online behaviour that is used (issue 17): the online activity menu and
views, the customer's online timeline, the online-sales monitoring report,
and the preferences and affinities derived from online behaviour."""

import datetime
import json

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..lib.analytics import affinity, online
from .common import RetailCommon
from .test_analytics import AnalyticsCommon
from .test_home_tours import RetailTourCase

MEASURES = ("sessions", "product_views", "carts", "orders", "customers", "conversion_pct")


@tagged("post_install", "-at_install")
class TestOnlineActivity(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Activity = cls.env["crm.online.activity"]
        cls.categ = cls.env["product.category"].create({"name": "Online Rings"})
        cls.ring = cls.env["product.product"].create(
            {"name": "Online Ring", "categ_id": cls.categ.id, "default_code": "T-ONL-RING"}
        )
        now = fields.Datetime.now()
        rows = []

        def add(partner, source, kind, count, days=1, product=None):
            for i in range(count):
                rows.append(
                    {
                        "partner_id": partner.id,
                        "source": source,
                        "kind": kind,
                        "activity_date": now - datetime.timedelta(days=days, minutes=i),
                        "product_id": product.id if product else False,
                    }
                )

        # branch A: two customers, two channels; branch B: one customer
        add(cls.cust_a, "eshop", "visit", 3, days=3)
        add(cls.cust_a, "eshop", "product_view", 2, days=3, product=cls.ring)
        add(cls.cust_a, "eshop", "cart", 1, days=2, product=cls.ring)
        add(cls.cust_a, "eshop", "order", 1, days=2, product=cls.ring)
        add(cls.cust_a, "app", "visit", 2, days=1)
        add(cls.cust_a, "app", "order", 1, days=1, product=cls.ring)
        add(cls.cust_a2, "eshop", "visit", 1, days=5)
        add(cls.cust_a2, "eshop", "product_view", 1, days=5, product=cls.ring)
        add(cls.cust_b, "eshop", "visit", 4, days=4)
        add(cls.cust_b, "eshop", "order", 1, days=4, product=cls.ring)
        add(cls.cust_b, "app", "visit", 1, days=6)
        cls.activities = cls.Activity.create(rows)
        cls.Run = cls.env["crm.report.run"].with_context(crm_report_foreground=True)

    # ---- views, menus and the customer's timeline ------------------------------
    def test_views_load_for_each_role(self):
        for user in (self.staff_a, self.manager_a, self.analyst, self.retail_admin):
            with self.subTest(user=user.login):
                views = self.Activity.with_user(user).get_views(
                    [
                        (False, "list"),
                        (False, "form"),
                        (False, "pivot"),
                        (False, "graph"),
                        (False, "search"),
                    ],
                    {"load_filters": True, "toolbar": True},
                )
                self.assertEqual(set(views["views"]), {"list", "form", "pivot", "graph", "search"})
                self.assertIn('name="group_kind"', views["views"]["search"]["arch"])
                prefs = (
                    self.env["crm.online.preference"]
                    .with_user(user)
                    .get_views([(False, "list"), (False, "search")])
                )
                self.assertIn("score", prefs["views"]["list"]["arch"])
                form = self.env["res.partner"].with_user(user).get_views([(False, "form")])
                arch = form["views"]["form"]["arch"]
                self.assertIn("action_view_online_activity", arch)
                self.assertIn("online_recent_activity_ids", arch)
                self.assertIn("online_categ_ids", arch)
        action = self.env.ref("crm_retail_compile.crm_online_activity_action")
        self.assertIn("No online activity yet", action.help)

    def test_menus_by_role(self):
        menu = self.env.ref("crm_retail_compile.crm_online_activity_menu")
        monitoring = self.env.ref("crm_retail_compile.crm_online_activity_menu_monitoring")
        Menu = self.env["ir.ui.menu"]
        staff = Menu.with_user(self.staff_a)._visible_menu_ids()
        self.assertIn(menu.id, staff)
        self.assertNotIn(monitoring.id, staff)
        for user in (self.manager_a, self.analyst):
            self.assertIn(monitoring.id, Menu.with_user(user)._visible_menu_ids())
        self.assertNotIn(menu.id, Menu.with_user(self.internal)._visible_menu_ids())

    def test_customer_smart_button_and_recent_activity(self):
        customer = self.cust_a.with_user(self.staff_a)
        mine = self.activities.filtered(lambda a: a.partner_id == self.cust_a)
        self.assertEqual(customer.online_activity_count, len(mine))
        self.assertEqual(customer.last_online_visit, max(mine.mapped("activity_date")))
        recent = customer.online_recent_activity_ids
        self.assertEqual(len(recent), 10)
        dates = recent.mapped("activity_date")
        self.assertEqual(dates, sorted(dates, reverse=True), "newest first")
        self.assertEqual(dates[0], max(mine.mapped("activity_date")))
        action = customer.action_view_online_activity()
        self.assertEqual(action["res_model"], "crm.online.activity")
        listed = self.Activity.with_user(self.staff_a).search(action["domain"])
        self.assertEqual(listed, mine)
        self.assertEqual(listed[0].activity_date, dates[0], "the list opens newest first")

    def test_branch_user_sees_only_own_branch_activity(self):
        seen = self.Activity.with_user(self.staff_a).search([])
        self.assertTrue(seen)
        self.assertFalse(seen.filtered(lambda a: a.partner_id == self.cust_b))
        self.assertEqual(self.Activity.with_user(self.staff_b).search([]).partner_id, self.cust_b)
        theirs = self.activities.filtered(lambda a: a.partner_id == self.cust_b)
        with self.assertRaises(AccessError):
            theirs.with_user(self.staff_a).read(["kind"])
        groups = self.Activity.with_user(self.staff_a)._read_group(
            [], ["retail_branch_id"], ["__count"]
        )
        self.assertEqual([branch for branch, _count in groups], [self.branch_a])
        # the derived preferences follow the same rule
        self.env["crm.online.preference"]._refresh()
        prefs = self.env["crm.online.preference"]
        self.assertIn(self.cust_b, prefs.search([]).partner_id)
        self.assertNotIn(self.cust_b, prefs.with_user(self.staff_a).search([]).partner_id)
        # the customer's counters are computed under the reader's rules
        other = self.cust_b.with_user(self.staff_a)
        self.assertEqual(other.online_activity_count, 0)
        self.assertFalse(other.online_recent_activity_ids)
        self.assertEqual(self.cust_b.with_user(self.staff_b).online_activity_count, 6)

    def test_activity_is_a_log_for_clients(self):
        with self.assertRaises(AccessError):
            self.Activity.with_user(self.staff_a).create(
                {"partner_id": self.cust_a.id, "kind": "visit", "activity_date": "2026-01-01"}
            )
        with self.assertRaises(AccessError):
            self.env["crm.online.preference"].with_user(self.retail_admin).create(
                {"partner_id": self.cust_a.id, "categ_id": self.categ.id}
            )

    # ---- online-sales monitoring report ---------------------------------------
    def _run(self, user, template):
        run = self.Run.with_user(user)._create_for_template(template, user=user)
        run.with_user(user).action_run()
        self.assertEqual(run.state, "done", run.error)
        return run

    def _template(self, **vals):
        template = self.env.ref("crm_retail_compile.crm_report_template_online_sales")
        customers = self.all_customers.ids
        template.write(
            dict(
                {
                    "dimensions": "channel,branch",
                    "date_range": "all",
                    "filter_domain": repr([("partner_id", "in", customers)]),
                },
                **vals,
            )
        )
        self.assertEqual(template.measures.split(","), list(MEASURES))
        return template

    def _hand_counts(self, branches):
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT a.source, b.name,
                       COUNT(*) FILTER (WHERE a.kind = 'visit'),
                       COUNT(*) FILTER (WHERE a.kind = 'product_view'),
                       COUNT(*) FILTER (WHERE a.kind = 'cart'),
                       COUNT(*) FILTER (WHERE a.kind = 'order'),
                       COUNT(DISTINCT a.partner_id)
                  FROM crm_online_activity a
                  JOIN res_partner p ON p.id = a.partner_id
                  JOIN crm_retail_branch b ON b.id = p.retail_branch_id
                 WHERE a.partner_id = ANY(%s) AND p.retail_branch_id = ANY(%s)
                 GROUP BY a.source, b.name
                """,
                self.all_customers.ids,
                branches.ids,
            )
        )
        return {(r[0], r[1]): tuple(r[2:]) for r in rows}

    def _report_counts(self, run):
        return {
            (line.dim_1, line.dim_2): (line.m_1, line.m_2, line.m_3, line.m_4, line.m_5)
            for line in run.line_ids
        }

    def test_monitoring_report_matches_hand_written_sql(self):
        run = self._run(self.retail_admin, self._template())
        expected = self._hand_counts(self.branch_a | self.branch_b)
        self.assertEqual(len(expected), 4, "two channels in two branches")
        self.assertEqual(self._report_counts(run), expected)
        # conversion: orders per session, recomputed at the total level
        totals = json.loads(run.totals_json)
        sessions = sum(v[0] for v in expected.values())
        orders = sum(v[3] for v in expected.values())
        self.assertEqual((totals["sessions"], totals["orders"]), (11, 3))
        self.assertEqual((sessions, orders), (11, 3))
        self.assertAlmostEqual(totals["conversion_pct"], round(100.0 * orders / sessions, 2))
        self.assertEqual(totals["customers"], 3)
        for line in run.line_ids:
            with self.subTest(line=(line.dim_1, line.dim_2)):
                expected_pct = round(100.0 * line.m_4 / line.m_1, 2) if line.m_1 else 0.0
                self.assertAlmostEqual(line.m_6 or 0.0, expected_pct)

    def test_monitoring_report_by_period_and_category(self):
        template = self._template(dimensions="period,product_category", period="month")
        run = self._run(self.retail_admin, template)
        by_categ = {}
        for line in run.line_ids:
            counts = by_categ.setdefault(line.dim_1, [0, 0])
            counts[0] += line.m_2
            counts[1] += line.m_4
        # every view and order was of the ring; visits carry no product
        self.assertEqual(by_categ[self.categ.name], [3, 3])

    def test_monitoring_report_of_a_branch_analyst(self):
        # the marketing analyst may see branch A only
        template = self._template(retail_department_id=self.dept_marketing.id)
        run = self._run(self.analyst, template)
        self.assertEqual(self._report_counts(run), self._hand_counts(self.branch_a))
        self.assertNotIn(self.branch_b.name, run.line_ids.mapped("dim_2"))

    # ---- the API records the channel ------------------------------------------
    def test_api_records_the_channel(self):
        integration = new_test_user(
            self.env, login="t_online_api", groups="crm_retail_compile.group_integration"
        )
        api = self.env["crm.retail.api"].with_user(integration)
        result = api.online_activity_record(
            [
                {"customer": self.cust_a.id, "kind": "visit", "source": "App"},
                {"customer": self.cust_a.id, "kind": "product_view", "product": "T-ONL-RING"},
            ]
        )
        records = self.Activity.browse(result["ids"])
        self.assertEqual(records.mapped("source"), ["app", "eshop"])
        self.assertEqual(records[1].categ_id, self.categ)
        # a bad channel is refused with a clear message, nothing is written
        count = self.Activity.search_count([])
        for source in (["app"], "x" * 40):
            with self.subTest(source=source), self.assertRaises(ValidationError):
                api.online_activity_record(
                    [{"customer": self.cust_a.id, "kind": "visit", "source": source}]
                )
        self.assertEqual(self.Activity.search_count([]), count)


@tagged("post_install", "-at_install")
class TestOnlinePreferences(AnalyticsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Categ = cls.env["product.category"]
        cls.cat_x, cls.cat_y, cls.cat_z = Categ.create(
            [{"name": "Pref X"}, {"name": "Pref Y"}, {"name": "Pref Z"}]
        )
        cls.product_y = cls.env["product.product"].create(
            {"name": "Pref Y bangle", "categ_id": cls.cat_y.id}
        )
        cls.product_z = cls.env["product.product"].create(
            {"name": "Pref Z pendant", "categ_id": cls.cat_z.id}
        )
        cls.c1, cls.c2, cls.c3, cls.c4 = cls._customers(
            4, "Online Pref", retail_branch_id=cls.branch_a.id
        )
        today = datetime.date.today()
        x, y, z = cls.cat_x, cls.cat_y, cls.cat_z
        # c1 bought X and Y, c2 bought X, c3 bought Y, c4 bought Z
        cls._events(
            [
                (cls.c1, today, 10.0, None, None, x | y),
                (cls.c2, today, 10.0, None, None, x),
                (cls.c3, today, 10.0, None, None, y),
                (cls.c4, today, 10.0, None, None, z),
            ]
        )
        now = fields.Datetime.now()
        # c2 only viewed Y online, once; c4 put Z (bought) in the cart; a
        # visit names no category
        cls.env["crm.online.activity"].create(
            [
                {
                    "partner_id": cls.c2.id,
                    "kind": "product_view",
                    "product_id": cls.product_y.id,
                    "activity_date": now,
                },
                {"partner_id": cls.c2.id, "kind": "visit", "activity_date": now},
                {
                    "partner_id": cls.c4.id,
                    "kind": "cart",
                    "product_id": cls.product_z.id,
                    "activity_date": now,
                },
            ]
        )
        cls.env["crm.category.affinity"]._refresh(min_customers=1)
        cls.baskets = [
            (cls.c1.id, x.id, 1.0),
            (cls.c1.id, y.id, 1.0),
            (cls.c2.id, x.id, 1.0),
            (cls.c2.id, y.id, online.KIND_WEIGHTS["product_view"]),
            (cls.c3.id, y.id, 1.0),
            (cls.c4.id, z.id, 1.0),
        ]

    def test_preference_of_a_category_only_viewed_online(self):
        pref = self.env["crm.online.preference"].search([("partner_id", "=", self.c2.id)])
        self.assertEqual(pref.categ_id, self.cat_y)
        self.assertEqual((pref.views, pref.carts, pref.orders), (1, 0, 0))
        self.assertAlmostEqual(pref.score, 0.2)
        self.assertEqual(self.c2.online_categ_ids, self.cat_y)
        # a cart addition of a category the customer bought: shown, weight 0.5
        pref_c4 = self.c4.online_preference_ids
        self.assertEqual((pref_c4.categ_id, pref_c4.score), (self.cat_z, 0.5))
        self.assertFalse(self.c1.online_preference_ids)

    def test_affinities_weigh_the_online_view(self):
        expected = affinity.rules(self.baskets)
        rules = self.env["crm.category.affinity"].search([])
        got = {(r.antecedent_id.id, r.consequent_id.id): r for r in rules}
        self.assertEqual(set(got), set(expected))
        for key, figures in expected.items():
            with self.subTest(rule=key):
                rule = got[key]
                self.assertAlmostEqual(rule.support, figures["support"], places=4)
                self.assertAlmostEqual(rule.confidence, figures["confidence"], places=4)
                self.assertAlmostEqual(rule.lift, figures["lift"], places=4)
                self.assertEqual(rule.customers, figures["customers"])
        # X -> Y: both = 1 (c1) + min(1, 0.2) (c2) = 1.2 of single(X) = 2
        xy = got[self.cat_x.id, self.cat_y.id]
        self.assertAlmostEqual(xy.confidence, 0.6, places=4)
        self.assertAlmostEqual(xy.lift, 0.6 / (2.2 / 4), places=4)

    def test_next_best_categories_include_the_browsed_category(self):
        best = affinity.next_best(self.baskets, affinity.rules(self.baskets))
        for customer in (self.c1, self.c2, self.c3, self.c4):
            with self.subTest(customer=customer.name):
                self.assertEqual(set(customer.next_categ_ids.ids), set(best.get(customer.id, [])))
        # viewed but not bought: still recommended to c2
        self.assertEqual(self.c2.next_categ_ids, self.cat_y)

    def test_refresh_is_repeatable_and_follows_the_window(self):
        Pref = self.env["crm.online.preference"]
        before = Pref.search([]).mapped(lambda p: (p.partner_id.id, p.categ_id.id, p.score))
        self.env["crm.category.affinity"]._refresh(min_customers=1)
        after = Pref.search([]).mapped(lambda p: (p.partner_id.id, p.categ_id.id, p.score))
        self.assertEqual(sorted(before), sorted(after))
        # activity before the window does not count
        self.assertEqual(Pref._refresh(fields.Datetime.now() + datetime.timedelta(days=1)), 0)


@tagged("post_install", "-at_install")
class TestOnlineActivityTour(RetailTourCase):
    """In Chromium, branch staff see a customer's online behaviour on the
    customer form and open its timeline (static/tests/tours/online_activity_tours.js)."""

    def test_tour_customer_online_activity(self):
        central = self.env.ref("crm_retail_compile.branch_cen_demo")
        customer = self.env["res.partner"].create(
            {
                "name": "Tour Online Customer",
                "is_retail_customer": True,
                "retail_branch_id": central.id,
            }
        )
        categ = self.env["product.category"].create({"name": "Tour Online Category"})
        pendant = self.env["product.product"].create(
            {"name": "Tour Online Pendant", "categ_id": categ.id}
        )
        now = fields.Datetime.now()
        self.env["crm.online.activity"].create(
            [
                {
                    "partner_id": customer.id,
                    "kind": "visit",
                    "activity_date": now - datetime.timedelta(hours=2),
                },
                {
                    "partner_id": customer.id,
                    "kind": "search",
                    "detail": "pendant",
                    "activity_date": now - datetime.timedelta(hours=1),
                },
                {
                    "partner_id": customer.id,
                    "kind": "product_view",
                    "product_id": pendant.id,
                    "activity_date": now,
                },
            ]
        )
        self.env["crm.online.preference"]._refresh()
        self.start_tour(
            f"/odoo/res.partner/{customer.id}",
            "crm_retail_online_activity",
            login=self.users["staff"].login,
            timeout=120,
        )
