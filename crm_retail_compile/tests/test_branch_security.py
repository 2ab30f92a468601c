from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestBranchSecurity(RetailCommon):
    # ---- who sees what -------------------------------------------------
    def test_branch_staff_sees_own_branch_customers(self):
        self.assertEqual(self.visible(self.staff_a, self.all_customers), self.cust_a | self.cust_a2)
        self.assertEqual(self.visible(self.staff_b, self.all_customers), self.cust_b)

    def test_branch_staff_sees_own_and_unassigned_leads_of_own_branch(self):
        leads = self.lead_a_own | self.lead_a_other | self.lead_a_free | self.lead_b
        self.assertEqual(self.visible(self.staff_a, leads), self.lead_a_own | self.lead_a_free)

    def test_branch_staff_sees_own_orders_of_own_branch(self):
        orders = self.order_a_own | self.order_a_other | self.order_b
        self.assertEqual(self.visible(self.staff_a, orders), self.order_a_own)
        lines = orders.order_line
        self.assertEqual(self.visible(self.staff_a, lines), self.order_a_own.order_line)

    def test_branch_manager_sees_all_staff_data_of_own_branch(self):
        leads = self.lead_a_own | self.lead_a_other | self.lead_a_free | self.lead_b
        orders = self.order_a_own | self.order_a_other | self.order_b
        self.assertEqual(
            self.visible(self.manager_a, self.all_customers), self.cust_a | self.cust_a2
        )
        self.assertEqual(self.visible(self.manager_a, leads), leads - self.lead_b)
        self.assertEqual(self.visible(self.manager_a, orders), orders - self.order_b)

    def test_analyst_reads_allowed_branches_only(self):
        orders = self.order_a_own | self.order_a_other | self.order_b
        self.assertEqual(self.visible(self.analyst, self.all_customers), self.cust_a | self.cust_a2)
        self.assertEqual(self.visible(self.analyst, orders), orders - self.order_b)

    def test_admin_and_privacy_officer_see_every_branch(self):
        for user in (self.retail_admin, self.privacy_officer):
            self.assertEqual(self.visible(user, self.all_customers), self.all_customers)
        orders = self.order_a_own | self.order_a_other | self.order_b
        self.assertEqual(self.visible(self.retail_admin, orders), orders)

    def test_non_retail_users_keep_odoo_behaviour(self):
        # users outside the Retail CRM roles are not branch-scoped
        self.assertEqual(self.visible(self.internal, self.all_customers), self.all_customers)

    def test_partners_without_branch_stay_visible(self):
        """Companies, vendors and users' partners have no branch: Odoo's own
        flows (salesperson avatars, vendors on products) keep working."""
        others = self.vendor | self.staff_b.partner_id | self.env.company.partner_id
        self.assertEqual(self.visible(self.staff_a, others), others)
        self.staff_b.with_user(self.staff_a).read(["name"])

    # ---- what the wrong role cannot do -----------------------------------
    def test_staff_cannot_touch_other_branch_customer(self):
        cust_b = self.cust_b.with_user(self.staff_a)
        with self.assertRaises(AccessError):
            cust_b.read(["name"])
        with self.assertRaises(AccessError):
            cust_b.write({"name": "Hijacked"})
        with self.assertRaises(AccessError):
            cust_b.unlink()
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.staff_a).create(
                {"name": "Planted", "retail_branch_id": self.branch_b.id}
            )

    def test_staff_cannot_touch_other_branch_leads_and_orders(self):
        for record in (self.lead_b, self.order_b, self.order_b.order_line):
            record = record.with_user(self.staff_a)
            with self.assertRaises(AccessError):
                record.read(["display_name"])
            with self.assertRaises(AccessError):
                record.write({"name": "Hijacked"})
            with self.assertRaises(AccessError):
                record.unlink()
        with self.assertRaises(AccessError):
            self.env["crm.lead"].with_user(self.staff_a).create(
                {"name": "Planted", "retail_branch_id": self.branch_b.id}
            )
        with self.assertRaises(AccessError):
            self.env["sale.order"].with_user(self.staff_a).create(
                {"partner_id": self.vendor.id, "retail_branch_id": self.branch_b.id}
            )

    def test_manager_cannot_touch_other_branch(self):
        for record in (self.cust_b, self.lead_b, self.order_b):
            with self.assertRaises(AccessError):
                record.with_user(self.manager_a).write({"name": "Hijacked"})

    def test_analyst_is_read_only(self):
        with self.assertRaises(AccessError):
            self.order_a_own.with_user(self.analyst).write({"note": "changed"})
        with self.assertRaises(AccessError):
            self.lead_a_own.with_user(self.analyst).unlink()
        with self.assertRaises(AccessError):
            self.env["crm.lead"].with_user(self.analyst).create({"name": "x"})

    def test_only_admin_configures_branches(self):
        with self.assertRaises(AccessError):
            self.branch_a.with_user(self.manager_a).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.env["crm.retail.branch"].with_user(self.staff_a).create({"code": "X", "name": "X"})
        self.branch_a.with_user(self.retail_admin).write({"name": "Renamed"})

    # ---- defaults and changes -------------------------------------------
    def test_new_records_default_to_user_branch(self):
        partner = self.env["res.partner"].with_user(self.staff_a).create({"name": "Walk-in"})
        lead = self.env["crm.lead"].with_user(self.staff_a).create({"name": "Walk-in"})
        order = self.env["sale.order"].with_user(self.staff_a).create({"partner_id": partner.id})
        self.assertEqual(partner.retail_branch_id, self.branch_a)
        self.assertEqual(lead.retail_branch_id, self.branch_a)
        self.assertEqual(order.retail_branch_id, self.branch_a)

    def test_user_without_default_branch_uses_customer_branch(self):
        order = (
            self.env["sale.order"]
            .with_user(self.retail_admin)
            .create({"partner_id": self.cust_b.id})
        )
        self.assertEqual(order.retail_branch_id, self.branch_b)

    def test_customer_branch_is_read_within_the_user_rights(self):
        """A branch-scoped user without a default branch (an integration
        user, say) gets the branch of its own branch's customers and cannot
        file a record under another branch's customer."""
        self.staff_a.write({"retail_branch_id": False})
        self.assertTrue(self.staff_a.retail_branch_scoped)
        Lead = self.env["crm.lead"].with_user(self.staff_a)
        lead = Lead.create({"name": "Own", "partner_id": self.cust_a.id})
        self.assertEqual(lead.retail_branch_id, self.branch_a)
        with self.assertRaises(AccessError):
            Lead.create({"name": "Other", "partner_id": self.cust_b.id})
        # an archived customer keeps its branch
        self.cust_b.active = False
        order = (
            self.env["sale.order"]
            .with_user(self.retail_admin)
            .create({"partner_id": self.cust_b.id})
        )
        self.assertEqual(order.retail_branch_id, self.branch_b)

    def test_branch_change_applies_at_once(self):
        """Record rules are cached per user: a new branch must be seen at once
        (not only after the next group change)."""
        self.assertNotIn(self.cust_b, self.visible(self.staff_a, self.all_customers))
        self.staff_a.write({"retail_branch_ids": [(4, self.branch_b.id)]})
        self.assertIn(self.cust_b, self.visible(self.staff_a, self.all_customers))
        self.staff_a.write({"retail_branch_ids": [(3, self.branch_b.id)]})
        self.assertNotIn(self.cust_b, self.visible(self.staff_a, self.all_customers))
        self.branch_b.write({"user_ids": [(4, self.staff_a.id)]})
        self.assertIn(self.cust_b, self.visible(self.staff_a, self.all_customers))

    def test_branch_rule_installer_is_idempotent(self):
        Mixin = self.env["crm.branch.mixin"]
        Mixin._install_branch_rule("crm_retail_compile", "res.partner")
        Mixin._install_branch_rule("crm_retail_compile", "res.partner")
        rules = self.env["ir.rule"].search(
            [("model_id.model", "=", "res.partner"), ("name", "like", "allowed branches")]
        )
        self.assertEqual(len(rules), 1)
        self.assertEqual(rules, self.env.ref("crm_retail_compile.res_partner_rule_branch"))
        self.assertTrue(rules["global"])
