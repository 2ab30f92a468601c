"""Jewellery records: what buttons and jobs set is refused from clients, and
the due-diligence flag (classified restricted) is for the restricted
identifiers group only (issue 14)."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import JewelleryCommon


@tagged("post_install", "-at_install")
class TestJewellerySystemFields(JewelleryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.integration = new_test_user(
            cls.env, login="t_jw_integration", groups="crm_retail_compile.group_integration"
        )
        cls.cust_a.sudo().write({"cdd_required": True})

    def test_cdd_required_is_restricted(self):
        for user in (self.staff_a, self.manager_a, self.analyst, self.integration):
            Partner = self.env["res.partner"].with_user(user)
            with self.subTest(user=user.login):
                self.assertNotIn("cdd_required", Partner.fields_get())
                with self.assertRaises(AccessError):
                    self.cust_a.with_user(user).read(["cdd_required"])
                # searching on it is refused, or matches nothing (no oracle)
                try:
                    found = Partner.search([("cdd_required", "=", True)])
                except AccessError:
                    found = Partner
                self.assertFalse(found)
                with self.assertRaises(AccessError):
                    Partner.search_read([("id", "=", self.cust_a.id)], ["cdd_required"])
        # the privacy officer (restricted identifiers) reads it
        officer = self.cust_a.with_user(self.privacy_officer)
        self.assertTrue(officer.read(["cdd_required"])[0]["cdd_required"])

    def test_custom_order_state_follows_the_buttons(self):
        order = (
            self.env["crm.jewellery.custom.order"]
            .with_user(self.staff_a)
            .create({"partner_id": self.cust_a.id})
        )
        for vals in ({"state": "collected"}, {"collected_date": "2026-01-01"}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                order.write(vals)
        with self.assertRaises(AccessError):
            self.env["crm.jewellery.custom.order"].with_user(self.staff_a).create(
                {"partner_id": self.cust_a.id, "state": "ready"}
            )
        order.action_approve_design()
        self.assertEqual(order.state, "design_approved")
        self.assertEqual(order.copy().state, "quotation")

    def test_review_and_abnormal_case_outcomes_are_system_set(self):
        review = (
            self.env["crm.jewellery.review"]
            .sudo()
            .create(
                {
                    "partner_id": self.cust_a.id,
                    "product_id": self.env["product.product"].search([], limit=1).id,
                    "channel": "email",
                    "retail_branch_id": self.branch_a.id,
                }
            )
        ).with_user(self.manager_a)
        with self.assertRaises(AccessError):
            review.write({"state": "received", "review_date": "2026-01-01"})
        review.action_record_rating(4, "Nice")
        self.assertEqual((review.state, review.rating), ("received", 4))
        rule = self.env["crm.jewellery.abnormal.rule"].search([], limit=1)
        case = self.env["crm.jewellery.abnormal.case"]._create_from_rows(
            [(rule, "sale.order", self.order_a_own.id, self.cust_a.id, self.branch_a.id, 1.0, 1.0)]
        )
        case = case.with_user(self.manager_a)
        for vals in ({"state": "resolved"}, {"res_id": self.order_b.id}, {"amount": 0.0}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                case.write(vals)
        case.action_resolve()
        self.assertEqual((case.state, case.reviewer_id), ("resolved", self.manager_a))
