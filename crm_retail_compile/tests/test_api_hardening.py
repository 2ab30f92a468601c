"""Issue 14 in the server: a branch-limited integration user's records get
a branch, lookups cannot tell "unknown" from "not yours" (not even by their
queries), and values Python or PostgreSQL cannot hold are refused."""

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestApiHardening(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.integration = new_test_user(
            cls.env, login="t_hard_integration", groups="crm_retail_compile.group_integration"
        )
        cls.integration.write({"retail_branch_ids": [(6, 0, (cls.branch_a | cls.branch_b).ids)]})
        cls.Api = cls.env["crm.retail.api"].with_user(cls.integration)
        cls.cust_b.write({"email": "hidden.b@example.com", "membership_number": "HB-0001"})

    def test_new_customers_get_the_default_or_only_branch_or_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "branch code.*TA, TB"):
            self.Api.customer_upsert({"email": "several@example.com"})
        self.assertFalse(
            self.env["res.partner"].search_count([("email", "=", "several@example.com")])
        )
        self.integration.retail_branch_id = self.branch_b
        created = self.Api.customer_upsert({"email": "default@example.com"})
        self.assertEqual(
            self.env["res.partner"].browse(created["id"]).retail_branch_id, self.branch_b
        )
        self.integration.write(
            {"retail_branch_id": False, "retail_branch_ids": [(6, 0, self.branch_a.ids)]}
        )
        created = self.Api.customer_upsert({"email": "only@example.com", "branch": ""})
        self.assertEqual(
            self.env["res.partner"].browse(created["id"]).retail_branch_id, self.branch_a
        )

    def test_unknown_and_hidden_customers_are_one_answer_in_as_many_queries(self):
        self.integration.write({"retail_branch_ids": [(6, 0, self.branch_a.ids)]})
        self.env.flush_all()
        answers, queries = [], []
        for ref in ({"email": "warm@example.com"}, 2_000_000_001):  # caches of rules, rights
            with self.assertRaises(ValidationError):
                self.Api.customer_summary(ref)
        for ref in (
            {"email": "hidden.b@example.com"},
            {"email": "nobody@example.com"},
            {"membership_number": "HB-0001"},
            {"membership_number": "HB-9999"},
            self.cust_b.id,
            2_000_000_000,
        ):
            before = self.env.cr.sql_log_count
            with self.assertRaises(ValidationError) as info:
                self.Api.customer_summary(ref)
            queries.append(self.env.cr.sql_log_count - before)
            self.assertIsInstance(info.exception, AccessError, "one class for both")
            answers.append(str(info.exception).replace(str(ref), "<ref>"))
        self.assertEqual(set(answers), {"Unknown customer: <ref>"})
        self.assertEqual(queries[0], queries[1], "by key: as many queries either way")
        self.assertEqual(queries[2], queries[3])
        self.assertEqual(queries[4], queries[5], "by id: as many queries either way")

    def test_upsert_of_another_branchs_customer_creates_its_own(self):
        """An upsert cannot answer "not yours" either: a branch-limited system
        sending a key of another branch's customer gets its own customer."""
        self.integration.write({"retail_branch_ids": [(6, 0, self.branch_a.ids)]})
        result = self.Api.customer_upsert({"email": "hidden.b@example.com", "name": "Walk-in"})
        self.assertTrue(result["created"])
        mine = self.env["res.partner"].browse(result["id"])
        self.assertNotEqual(mine, self.cust_b)
        self.assertEqual(mine.retail_branch_id, self.branch_a)
        self.assertEqual(self.cust_b.name, "Customer B", "the other branch's customer untouched")
        again = self.Api.customer_upsert({"email": "hidden.b@example.com", "tier": False})
        self.assertEqual((again["id"], again["created"]), (mine.id, False))
        # the other branch still finds its own
        self.integration.write({"retail_branch_ids": [(6, 0, self.branch_b.ids)]})
        theirs = self.Api.customer_upsert({"email": "hidden.b@example.com"})
        self.assertEqual(theirs["id"], self.cust_b.id)

    def test_order_references_are_unique_per_company_in_the_database(self):
        order = self.env["sale.order"].create(
            {"partner_id": self.cust_a.id, "client_order_ref": "DB-1", "origin": "crm_retail_api"}
        )
        with self.assertRaises(Exception), self.env.cr.savepoint():  # noqa: B017 - IntegrityError
            order.copy({"client_order_ref": "DB-1", "origin": "crm_retail_api"})
            self.env.flush_all()
        # other origins and references are free
        order.copy({"client_order_ref": "DB-1", "origin": "manual"})
        self.env.flush_all()

    def test_odd_values_never_reach_the_database(self):
        self.integration.write({"retail_branch_ids": [(5, 0, 0)]})
        self.product.default_code = "HARD-1"
        for line in (
            {"product": "HARD-1", "qty": float("nan")},
            {"product": "HARD-1", "price_unit": float("inf")},
            {"product": "HARD-1", "price_unit": 1e300 * 1e300},
            {"product": "HARD-1", "discount": float("-inf")},
        ):
            with self.subTest(line=line), self.assertRaises(ValidationError):
                self.Api.order_record(
                    {"external_ref": "ODD-1", "customer": self.cust_a.id, "lines": [line]}
                )
        with self.assertRaisesRegex(ValidationError, "takes the arguments"):
            self.Api.order_record({}, surprise=True)
        with self.assertRaisesRegex(ValidationError, "no records"):
            self.env["crm.retail.api"].browse(1)
