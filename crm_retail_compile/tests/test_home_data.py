import datetime

from odoo import fields

from .common import RetailCommon


class TestHomeData(RetailCommon):
    """get_home_data: each role's cards, counted with the user's own rights
    and equal to counts computed by hand from the fixtures."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Home = cls.env["crm.retail.home"]
        today = cls.Home.with_user(cls.staff_a)._home_today()
        cls.today = today
        in3 = today + datetime.timedelta(days=3)
        in10 = today + datetime.timedelta(days=10)
        cls.cust_a.write({"birthday_day": today.day, "birthday_month": today.month})
        cls.cust_a2.write({"birthday_day": in3.day, "birthday_month": in3.month})
        cls.cust_b.write({"birthday_day": today.day, "birthday_month": today.month})
        # outside the week: counted nowhere
        cls.env["res.partner"].create(
            {
                "name": "Customer A3",
                "is_retail_customer": True,
                "retail_branch_id": cls.branch_a.id,
                "birthday_day": in10.day,
                "birthday_month": in10.month,
            }
        )
        cls.env["mail.activity"].create(
            {
                "res_model_id": cls.env["ir.model"]._get_id("res.partner"),
                "res_id": cls.cust_a.id,
                "user_id": cls.staff_a.id,
                "date_deadline": today,
                "summary": "Call back",
            }
        )

    def cards(self, user):
        data = self.Home.with_user(user).get_home_data()
        return data, {c["key"]: c for s in data["sections"] for c in s["cards"]}

    def test_staff_counts_own_branch(self):
        data, cards = self.cards(self.staff_a)
        self.assertEqual(data["roles"], ["staff"])
        self.assertEqual(cards["customers"]["count"], 3)  # A, A2, A3
        self.assertEqual(cards["birthdays_today"]["count"], 1)  # A (not B)
        self.assertEqual(cards["birthdays_week"]["count"], 2)  # A, A2
        self.assertEqual(cards["my_activities"]["count"], 1)
        dq_expected = (
            self.env["crm.dq.issue"]
            .sudo()
            .search_count(
                [("state", "=", "open"), ("retail_branch_id", "in", [False, self.branch_a.id])]
            )
        )
        self.assertEqual(cards["dq_open"]["count"], dq_expected)
        self.assertNotIn("sales_today", cards)
        self.assertNotIn("requests_open", cards)
        # a card opens the list it counted
        action = cards["birthdays_week"]["action"]
        self.assertEqual(action["res_model"], "res.partner")
        found = self.env["res.partner"].with_user(self.staff_a).search(action["domain"])
        self.assertEqual(found, self.cust_a | self.cust_a2)

    def test_other_branch_staff(self):
        _data, cards = self.cards(self.staff_b)
        self.assertEqual(cards["customers"]["count"], 1)
        self.assertEqual(cards["birthdays_today"]["count"], 1)  # B only
        self.assertEqual(cards["birthdays_week"]["count"], 1)
        self.assertEqual(cards["my_activities"]["count"], 0)

    def test_manager_sales(self):
        (self.order_a_own | self.order_a_other | self.order_b).action_confirm()
        data, cards = self.cards(self.manager_a)
        self.assertEqual(data["roles"], ["manager"])
        self.assertEqual(cards["customers"]["count"], 3)
        for key in ("sales_today", "sales_month"):
            self.assertEqual(cards[key]["count"], 2, key)  # not branch B's order
            self.assertAlmostEqual(
                cards[key]["amount"],
                self.order_a_own.amount_untaxed + self.order_a_other.amount_untaxed,
            )
            self.assertIsNone(cards[key]["trend"])  # nothing last year

    def test_analyst(self):
        data, cards = self.cards(self.analyst)
        self.assertEqual(data["roles"], ["analyst"])
        Template = self.env["crm.report.template"].sudo()
        dept = [("retail_department_id", "=", self.dept_marketing.id)]
        self.assertEqual(cards["reports"]["count"], Template.search_count(dept))
        self.assertEqual(
            cards["reports_scheduled"]["count"],
            Template.search_count(dept + [("schedule", "!=", "none")]),
        )
        self.assertNotIn("customers", cards)

    def test_privacy_officer(self):
        Request = self.env["crm.privacy.request"]
        open_states = ("received", "verifying", "in_progress")
        before_open = Request.search_count([("state", "in", open_states)])
        before_overdue = Request.search_count(
            [("state", "in", open_states), ("due_date", "<", self.today)]
        )
        overdue = Request.create(
            {
                "partner_id": self.cust_a.id,
                "requester_name": "Customer A",
                "received_date": self.today - datetime.timedelta(days=45),
            }
        )
        soon = Request.create(
            {
                "partner_id": self.cust_b.id,
                "requester_name": "Customer B",
                "received_date": self.today - datetime.timedelta(days=35),
            }
        )
        done = Request.create({"partner_id": self.cust_b.id, "requester_name": "Customer B"})
        done._crm_system_write().write({"state": "complied"})
        self.env["crm.privacy.consent"].create(
            {
                "partner_id": self.cust_a.id,
                "channel": "email",
                "kind": "opt_out",
                "consent_date": fields.Datetime.now(),
            }
        )
        data, cards = self.cards(self.privacy_officer)
        self.assertEqual(data["roles"], ["privacy"])
        self.assertEqual(cards["requests_open"]["count"], before_open + 2)
        self.assertEqual(cards["requests_overdue"]["count"], before_overdue + 1)
        self.assertGreaterEqual(cards["consents_withdrawn"]["count"], 1)
        items = {i["id"]: i["days_left"] for i in cards["requests_open"]["items"]}
        if before_overdue == 0:
            # overdue first, with its days past the 40-day deadline
            self.assertEqual(cards["requests_open"]["items"][0]["id"], overdue.id)
        self.assertEqual(items.get(overdue.id, -5), -5)
        self.assertEqual((soon.due_date - self.today).days, 5)

    def test_admin_and_outsider(self):
        data, cards = self.cards(self.retail_admin)
        self.assertEqual(data["roles"], ["admin"])
        Issue = self.env["crm.dq.issue"].sudo()
        for severity in ("low", "medium", "high", "critical"):
            self.assertEqual(
                cards["dq_%s" % severity]["count"],
                Issue.search_count([("state", "=", "open"), ("severity", "=", severity)]),
            )
        data, _cards = self.cards(self.internal)
        self.assertEqual(data["sections"], [])
