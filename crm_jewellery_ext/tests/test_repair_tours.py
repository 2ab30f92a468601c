from odoo.tests import tagged

from odoo.addons.crm_retail_compile.tests.test_home_tours import RetailTourCase


@tagged("post_install", "-at_install")
class TestRepairTours(RetailTourCase):
    """Staff receive a repair for a customer of their branch in Chromium, in
    English and in Traditional Chinese (static/tests/tours/
    jewellery_repair_tours.js): the repair form opens and saves without an
    AccessError (stock.lot was one) and the repair gets the branch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.central = cls.env.ref("crm_retail_compile.branch_cen_demo")
        cls.customer = (
            cls.env["res.partner"]
            .with_context(default_is_retail_customer=True)
            .create({"name": "Tour Repair Customer", "retail_branch_id": cls.central.id})
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Tour Gold Ring", "type": "consu", "list_price": 8800.0}
        )

    def _repair(self, lang="en_US"):
        self._run_tour("staff", "crm_jewellery_repair_staff", lang)
        repair = self.env["repair.order"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(repair), 1)
        self.assertEqual(repair.product_id, self.product)
        self.assertEqual(repair.retail_branch_id, self.central)
        self.assertEqual(repair.create_uid, self.users["staff"])
        self.assertEqual(repair.customer_status, "received")

    def test_repair_staff(self):
        self._repair()

    def test_repair_staff_zh_hk(self):
        self._repair("zh_HK")

    def test_unknown_sizes_and_birthday_read_empty(self):
        """A customer without ring sizes or birthday shows empty inputs (not
        0, 0.00 or "0 / 0"); a size typed in is kept."""
        customer = (
            self.env["res.partner"]
            .with_context(default_is_retail_customer=True)
            .create({"name": "Tour Sizes Customer", "retail_branch_id": self.central.id})
        )
        self.assertFalse(customer.ring_size_hk)
        staff = self.users["staff"]
        self.start_tour(
            f"/odoo/res.partner/{customer.id}",
            "crm_jewellery_blank_sizes",
            login=staff.login,
            timeout=120,
        )
        self.assertEqual(customer.ring_size_hk, 14)
        self.assertTrue(customer.ring_size_us)
