from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import JewelleryCommon


@tagged("post_install", "-at_install")
class TestJewelleryBranchLinks(JewelleryCommon):
    """Custom orders, repairs and certificates accept only customers the
    user can read (finding 1 of issue 14), and staff opening a repair read
    the serial number it shows."""

    def assertRefused(self, model, vals, field="partner_id"):
        Model = self.env[model].with_user(self.staff_a)
        before = self.env[model].search_count([])
        with self.assertRaises(AccessError) as ctx:
            Model.create(vals)
        self.assertIn(field, str(ctx.exception))
        self.assertNotIn(self.cust_b.name, str(ctx.exception))
        self.assertEqual(self.env[model].search_count([]), before, "nothing is written")

    def test_custom_order_repair_certificate_refuse_other_branch_customer(self):
        self.assertRefused("crm.jewellery.custom.order", {"partner_id": self.cust_b.id})
        self.assertRefused("repair.order", {"partner_id": self.cust_b.id})
        self.assertRefused(
            "crm.jewellery.certificate",
            {"name": "GIA-PROBE", "product_id": self.product.id, "partner_id": self.cust_b.id},
        )
        # a certificate cannot point to another branch's order line either
        self.assertRefused(
            "crm.jewellery.certificate",
            {
                "name": "GIA-PROBE2",
                "product_id": self.product.id,
                "sale_line_id": self.order_b.order_line[0].id,
            },
            field="sale_line_id",
        )

    def test_write_refused_own_branch_allowed(self):
        order = (
            self.env["crm.jewellery.custom.order"]
            .with_user(self.staff_a)
            .create({"partner_id": self.cust_a.id})
        )
        repair = (
            self.env["repair.order"].with_user(self.staff_a).create({"partner_id": self.cust_a.id})
        )
        cert = (
            self.env["crm.jewellery.certificate"]
            .with_user(self.staff_a)
            .create(
                {"name": "GIA-OWN", "product_id": self.product.id, "partner_id": self.cust_a.id}
            )
        )
        for record in (order, repair, cert):
            with self.assertRaises(AccessError):
                record.write({"partner_id": self.cust_b.id})
            self.assertEqual(record.partner_id, self.cust_a)
            record.write({"partner_id": self.vendor.id})  # no branch: allowed
            self.assertEqual(record.partner_id, self.vendor)

    def test_staff_opening_a_repair_read_its_serial_number(self):
        product = self.env["product.product"].create(
            {"name": "Diamond Ring", "type": "consu", "is_storable": True, "tracking": "serial"}
        )
        lot = self.env["stock.lot"].create({"name": "SN-REPAIR-1", "product_id": product.id})
        repair = self.env["repair.order"].create(
            {
                "partner_id": self.cust_a.id,
                "retail_branch_id": self.branch_a.id,
                "product_id": product.id,
                "lot_id": lot.id,
            }
        )
        fields_shown = self.env["repair.order"].get_views([(False, "form")])["models"][
            "repair.order"
        ]["fields"]
        repair.with_user(self.staff_a).read(list(fields_shown))
        self.assertEqual(lot.with_user(self.staff_a).read(["name"])[0]["name"], "SN-REPAIR-1")
        self.assertEqual(repair.with_user(self.staff_a).lot_id, lot)

    def test_repair_moves_take_the_repair_branch(self):
        repair = self.env["repair.order"].create(
            {"partner_id": self.cust_b.id, "retail_branch_id": self.branch_b.id}
        )
        self.env["stock.move"].create(
            {
                "name": "part",
                "repair_id": repair.id,
                "repair_line_type": "add",
                "product_id": self.product.id,
                "product_uom_qty": 1,
                "location_id": repair.location_id.id,
                "location_dest_id": repair.location_dest_id.id or repair.location_id.id,
            }
        )
        self.assertEqual(repair.move_ids.retail_branch_id, self.branch_b)
        self.assertFalse(self.visible(self.staff_a, repair.move_ids))
