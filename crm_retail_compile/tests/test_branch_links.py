from contextlib import contextmanager

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestBranchLinks(RetailCommon):
    """Links respect branches: a branch-scoped user cannot point a record to
    a customer (or any branch-ruled record) of another branch."""

    @contextmanager
    def assertLinkRefused(self, field_name):
        """The refusal names the field, never the record it points to."""
        with self.assertRaises(AccessError) as ctx:
            yield
        message = str(ctx.exception)
        self.assertIn(field_name, message)
        self.assertIn("another branch", message)
        self.assertNotIn(self.cust_b.name, message)

    def _leads_named(self, name):
        return self.env["crm.lead"].with_context(active_test=False).search([("name", "=", name)])

    # ---- create ----------------------------------------------------------
    def test_staff_cannot_create_lead_for_other_branch_customer(self):
        Lead = self.env["crm.lead"].with_user(self.staff_a)
        with self.assertLinkRefused("partner_id"):
            Lead.create({"name": "probe-b", "partner_id": self.cust_b.id})
        self.assertFalse(self._leads_named("probe-b"), "nothing is written")
        # a batch with one bad link is refused whole
        with self.assertLinkRefused("partner_id"):
            Lead.create(
                [
                    {"name": "probe-b", "partner_id": self.cust_a.id},
                    {"name": "probe-b", "partner_id": self.cust_b.id},
                ]
            )
        self.assertFalse(self._leads_named("probe-b"))

    def test_pair_id_name_counts_as_a_link(self):
        with self.assertLinkRefused("partner_id"):
            self.env["crm.lead"].with_user(self.staff_a).create(
                {"name": "probe-pair", "partner_id": (self.cust_b.id, "any name")}
            )
        self.assertFalse(self._leads_named("probe-pair"))

    def test_context_default_counts_as_a_link(self):
        Lead = self.env["crm.lead"].with_user(self.staff_a)
        with self.assertLinkRefused("partner_id"):
            Lead.with_context(default_partner_id=self.cust_b.id).create({"name": "probe-d"})
        self.assertFalse(self._leads_named("probe-d"))

    def test_staff_links_own_branch_and_branchless_partners(self):
        Lead = self.env["crm.lead"].with_user(self.staff_a)
        own = Lead.create({"name": "own", "partner_id": self.cust_a.id})
        self.assertEqual(own.partner_id, self.cust_a)
        vendor = Lead.create({"name": "vendor", "partner_id": self.vendor.id})
        self.assertEqual(vendor.partner_id, self.vendor)

    def test_related_fields_cannot_copy_other_branch_customer(self):
        """The lead's e-mail, phone and street are copied from its customer:
        the refused link copies nothing (finding 1 of issue 14)."""
        self.cust_b.write({"email": "secret-b@example.com", "street": "1 Secret Road"})
        Lead = self.env["crm.lead"].with_user(self.staff_a)
        with self.assertRaises(AccessError):
            Lead.create({"name": "probe-rel", "partner_id": self.cust_b.id})
        self.assertFalse(self.env["crm.lead"].search([("email_from", "=", "secret-b@example.com")]))

    def test_manager_cannot_create_order_for_other_branch_customer(self):
        Order = self.env["sale.order"].with_user(self.manager_a)
        with self.assertLinkRefused("partner_id"):
            Order.create({"partner_id": self.cust_b.id, "client_order_ref": "probe-so"})
        self.assertFalse(self.env["sale.order"].search([("client_order_ref", "=", "probe-so")]))
        order = Order.create({"partner_id": self.cust_a.id, "client_order_ref": "own-so"})
        self.assertEqual(order.retail_branch_id, self.branch_a)

    # ---- write -----------------------------------------------------------
    def test_staff_cannot_repoint_lead_or_order(self):
        lead = self.lead_a_own.with_user(self.staff_a)
        with self.assertLinkRefused("partner_id"):
            lead.write({"partner_id": self.cust_b.id})
        self.assertFalse(self.lead_a_own.partner_id)
        order = self.order_a_own.with_user(self.staff_a)
        for field in ("partner_id", "partner_invoice_id"):
            with self.assertLinkRefused(field):
                order.write({field: self.cust_b.id})
        # sale_stock reads the new address before the write: Odoo's own
        # access error comes first, and nothing is written either
        with self.assertRaises(AccessError):
            order.write({"partner_shipping_id": self.cust_b.id})
        self.assertEqual(self.order_a_own.partner_id, self.cust_a)
        self.assertEqual(self.order_a_own.partner_invoice_id, self.cust_a)
        self.assertEqual(self.order_a_own.partner_shipping_id, self.cust_a)

    def test_staff_cannot_make_other_branch_customer_a_contact(self):
        Partner = self.env["res.partner"].with_user(self.staff_a)
        # res.partner reads the parent's company first: refused either way
        with self.assertRaises(AccessError):
            Partner.create({"name": "Probe contact", "parent_id": self.cust_b.id})
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Probe contact")]))
        with self.assertRaises(AccessError):
            self.cust_a.with_user(self.staff_a).write({"parent_id": self.cust_b.id})
        self.assertFalse(self.cust_a.parent_id)
        with self.assertLinkRefused("parent_id"):
            Partner._retail_check_branch_links([{"parent_id": self.cust_b.id}])

    def test_many2many_commands_are_links(self):
        Event = self.env["calendar.event"].with_user(self.staff_a)
        for value in (
            [Command.link(self.cust_b.id)],
            [Command.set([self.cust_a.id, self.cust_b.id])],
            [(6, 0, [self.cust_b.id])],
            [self.cust_b.id],
        ):
            with self.assertLinkRefused("partner_ids"):
                Event.create({"name": "probe-ev", "partner_ids": value})
        self.assertFalse(self.env["calendar.event"].search([("name", "=", "probe-ev")]))
        event = Event.create({"name": "own-ev", "partner_ids": [Command.link(self.cust_a.id)]})
        with self.assertLinkRefused("partner_ids"):
            event.write({"partner_ids": [Command.link(self.cust_b.id)]})
        self.assertNotIn(self.cust_b, event.partner_ids)

    def test_nested_one2many_creates_are_checked(self):
        Order = self.env["sale.order"].with_user(self.manager_a)
        other_line = self.order_b.order_line[0]
        with self.assertRaises(AccessError):
            Order.create(
                {
                    "partner_id": self.cust_a.id,
                    "client_order_ref": "probe-nested",
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "linked_line_id": other_line.id,
                            }
                        )
                    ],
                }
            )
        self.assertFalse(self.env["sale.order"].search([("client_order_ref", "=", "probe-nested")]))

    # ---- who is not limited ----------------------------------------------
    def test_admin_privacy_officer_and_superuser_link_freely(self):
        lead = (
            self.env["crm.lead"]
            .with_user(self.retail_admin)
            .create({"name": "admin-link", "partner_id": self.cust_b.id})
        )
        self.assertEqual(lead.partner_id, self.cust_b)
        for user in (self.privacy_officer, self.internal):
            self.env["crm.lead"].with_user(user)._retail_check_branch_links(
                [{"partner_id": self.cust_b.id}]
            )
        # the suite's own code under sudo() is not limited either
        self.env["crm.lead"].with_user(self.staff_a).sudo()._retail_check_branch_links(
            [{"partner_id": self.cust_b.id}]
        )

    def test_other_branch_manager_refused(self):
        manager_b = self.env["res.users"].create(
            {
                "name": "Manager B",
                "login": "t_manager_b_links",
                "groups_id": [
                    Command.set([self.env.ref("crm_retail_compile.group_branch_manager").id])
                ],
                "retail_branch_ids": [Command.set(self.branch_b.ids)],
                "retail_branch_id": self.branch_b.id,
            }
        )
        with self.assertLinkRefused("partner_id"):
            self.env["crm.lead"].with_user(manager_b).create(
                {"name": "probe-mb", "partner_id": self.cust_a.id}
            )

    # ---- cost --------------------------------------------------------------
    def test_check_costs_one_query_per_linked_model(self):
        Lead = self.env["crm.lead"].with_user(self.staff_a)
        vals_list = [
            {"name": "x", "partner_id": self.cust_a.id},
            {"name": "y", "partner_id": self.cust_a2.id, "user_id": self.staff_a.id},
            {"name": "z", "partner_id": self.vendor.id},
        ]
        Admin = self.env["crm.lead"].with_user(self.retail_admin)
        Lead._retail_check_branch_links(vals_list)  # warm the caches
        Admin._retail_check_branch_links(vals_list)
        with self.assertQueryCount(1):
            Lead._retail_check_branch_links(vals_list)
        with self.assertQueryCount(0):
            Lead._retail_check_branch_links([{"name": "no link", "user_id": self.staff_a.id}])
        with self.assertQueryCount(0):
            Admin._retail_check_branch_links(vals_list)

    def test_ruled_models_come_from_the_rules(self):
        ruled = self.env["crm.branch.mixin"]._retail_branch_ruled_models()
        for model in (
            "res.partner",
            "crm.lead",
            "sale.order",
            "account.move",
            "account.move.line",
            "stock.picking",
            "stock.move",
            "sale.report",
        ):
            self.assertIn(model, ruled)
        self.assertNotIn("res.users", ruled)
