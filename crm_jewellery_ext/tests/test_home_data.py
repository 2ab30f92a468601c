import datetime

from .common import JewelleryCommon


class TestHomeJewellery(JewelleryCommon):
    """The jewellery cards of the home page follow the branch rules: a
    branch's staff never counts another branch's repairs, orders or
    anniversaries."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Home = cls.env["crm.retail.home"]
        today = cls.Home.with_user(cls.staff_a)._home_today()
        Repair = cls.env["repair.order"]
        for partner, branch in ((cls.cust_a, cls.branch_a), (cls.cust_a2, cls.branch_a)):
            Repair.create({"partner_id": partner.id, "retail_branch_id": branch.id})
        cls.repair_b = Repair.create(
            {"partner_id": cls.cust_b.id, "retail_branch_id": cls.branch_b.id}
        )
        Order = cls.env["crm.jewellery.custom.order"]
        cls.order_a = Order.create(
            {
                "partner_id": cls.cust_a.id,
                "retail_branch_id": cls.branch_a.id,
                "ready_date": today + datetime.timedelta(days=2),
            }
        )
        Anniversary = cls.env["crm.jewellery.anniversary"]
        Anniversary.create({"partner_id": cls.cust_a.id, "date": today.replace(year=2016)})
        Anniversary.create({"partner_id": cls.cust_b.id, "date": today.replace(year=2012)})

    def cards(self, user):
        data = self.Home.with_user(user).get_home_data()
        return {c["key"]: c for s in data["sections"] for c in s["cards"]}

    def expected_repairs(self, branch):
        return (
            self.env["repair.order"]
            .sudo()
            .search_count(
                [
                    ("customer_status", "not in", ("collected", "cancelled")),
                    ("retail_branch_id", "in", [False, branch.id]),
                ]
            )
        )

    def test_branch_a(self):
        cards = self.cards(self.staff_a)
        self.assertEqual(cards["repairs_open"]["count"], self.expected_repairs(self.branch_a))
        found = (
            self.env["repair.order"]
            .with_user(self.staff_a)
            .search(cards["repairs_open"]["action"]["domain"])
        )
        self.assertNotIn(self.repair_b, found)
        self.assertEqual(cards["custom_orders_open"]["count"], 1)
        self.assertEqual(cards["custom_orders_due"]["count"], 1)
        self.assertEqual(cards["anniversaries_today"]["count"], 1)
        self.assertEqual(cards["anniversaries_week"]["count"], 1)

    def test_branch_b_never_counts_branch_a(self):
        cards = self.cards(self.staff_b)
        self.assertEqual(cards["repairs_open"]["count"], self.expected_repairs(self.branch_b))
        self.assertEqual(cards["custom_orders_open"]["count"], 0)
        self.assertEqual(cards["anniversaries_today"]["count"], 1)  # B's own

    def test_manager_gets_jewellery_cards(self):
        cards = self.cards(self.manager_a)
        self.assertIn("repairs_open", cards)
        self.assertIn("sales_month", cards)
