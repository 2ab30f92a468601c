"""Over XML-RPC, against a running server: issue 14, findings 1 and 2.

Links respect branches (a lead cannot be pointed to another branch's
customer, whose data would then show through the lead), and invoices,
deliveries, the sales analysis and their chatter are branch-scoped."""

import uuid
import xmlrpc.client

import pytest
from conftest import new_user


@pytest.fixture(scope="module")
def world(odoo_server, admin):
    """Two branches ("Mong Kok" and "Central"), a staff user of the first, a
    manager of the second, a customer in each, and in the first branch a
    confirmed order with its delivery and an invoice."""
    tag = uuid.uuid4().hex[:6].upper()
    mk = admin("crm.retail.branch", "create", {"code": f"L1{tag}", "name": f"Links MK {tag}"})
    central = admin("crm.retail.branch", "create", {"code": f"L2{tag}", "name": f"Links CE {tag}"})

    def user(login, group, branch):
        return new_user(odoo_server, admin, login, [group], [branch])

    staff_mk = user(f"links.staff.{tag.lower()}", "crm_retail_compile.group_branch_staff", mk)
    manager_ce = user(
        f"links.manager.{tag.lower()}", "crm_retail_compile.group_branch_manager", central
    )

    def customer(name, branch):
        return admin(
            "res.partner",
            "create",
            {
                "name": f"{name} {tag}",
                "is_retail_customer": True,
                "retail_branch_id": branch,
                "email": f"{name.lower().replace(' ', '.')}.{tag.lower()}@example.com",
                "phone": "+852 9123 4567",
                "street": f"{tag} Secret Street",
            },
        )

    cust_mk = customer("Links MK Customer", mk)
    cust_ce = customer("Links CE Customer", central)
    product = admin("product.product", "create", {"name": f"Links Ring {tag}", "list_price": 800})
    order = admin(
        "sale.order",
        "create",
        {
            "partner_id": cust_mk,
            "retail_branch_id": mk,
            "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 1})],
        },
    )
    admin("sale.order", "action_confirm", [order])
    pickings = admin("stock.picking", "search", [("sale_id", "=", order)])
    invoice = admin(
        "account.move",
        "create",
        {
            "move_type": "out_invoice",
            "partner_id": cust_mk,
            "invoice_line_ids": [(0, 0, {"product_id": product, "price_unit": 800})],
        },
    )
    return {
        "tag": tag,
        "mk": mk,
        "central": central,
        "staff_mk": staff_mk,
        "manager_ce": manager_ce,
        "cust_mk": cust_mk,
        "cust_ce": cust_ce,
        "order": order,
        "pickings": pickings,
        "invoice": invoice,
    }


def _refused(call, *args, **kwargs):
    with pytest.raises(xmlrpc.client.Fault) as fault:
        call(*args, **kwargs)
    text = fault.value.faultString
    assert any(word in text.lower() for word in ("access", "security restrictions")), text
    assert "Traceback" not in text
    return text


def test_lead_with_other_branch_customer_is_refused(world, admin):
    """Finding 1: the lead would show the customer's name, e-mail, phone
    and street; it is refused, nothing is written, the name is not told."""
    name = f"probe lead {world['tag']}"
    text = _refused(
        world["staff_mk"], "crm.lead", "create", {"name": name, "partner_id": world["cust_ce"]}
    )
    assert "partner_id" in text and "another branch" in text
    assert "Links CE Customer" not in text
    assert not admin("crm.lead", "search", [("name", "=", name)])
    # with the customer's branch named by the context default: the same
    _refused(
        world["staff_mk"],
        "crm.lead",
        "create",
        {"name": name},
        context={"default_partner_id": world["cust_ce"]},
    )
    assert not admin("crm.lead", "search", [("name", "=", name)])
    # re-pointing an own lead is refused too
    lead = world["staff_mk"]("crm.lead", "create", {"name": name, "partner_id": world["cust_mk"]})
    _refused(world["staff_mk"], "crm.lead", "write", [lead], {"partner_id": world["cust_ce"]})
    row = world["staff_mk"]("crm.lead", "read", [lead], ["partner_id", "email_from", "street"])[0]
    assert row["partner_id"][0] == world["cust_mk"]
    assert "Links CE" not in str(row)


def test_manager_cannot_read_other_branch_invoices_and_pickings(world):
    manager = world["manager_ce"]
    assert world["pickings"], "the confirmed order has a delivery"
    for model, ids in (
        ("account.move", [world["invoice"]]),
        ("stock.picking", world["pickings"]),
    ):
        assert not manager(model, "search", [("id", "in", ids)]), model
        _refused(manager, model, "read", ids, ["partner_id"])
    assert not manager("account.move.line", "search", [("move_id", "=", world["invoice"])])
    assert not manager("stock.move", "search", [("picking_id", "in", world["pickings"])])


def test_manager_cannot_read_other_branch_sales_analysis(world):
    manager = world["manager_ce"]
    domain = [("partner_id", "in", [world["cust_mk"], world["cust_ce"]])]
    assert not manager("sale.report", "search_read", domain, fields=["price_subtotal"])
    groups = manager(
        "sale.report", "read_group", domain, ["price_subtotal:sum"], ["partner_id"], lazy=False
    )
    assert groups == []
    revenue = manager(
        "sale.report", "read_group", [], ["price_subtotal:sum"], ["retail_branch_id"], lazy=False
    )
    assert world["mk"] not in {g["retail_branch_id"] and g["retail_branch_id"][0] for g in revenue}


def test_staff_cannot_post_on_other_branch_picking(world, admin):
    """Finding 2: staff.mongkok wrote a note on a Central picking."""
    central_order = admin(
        "sale.order",
        "create",
        {
            "partner_id": world["cust_ce"],
            "retail_branch_id": world["central"],
            "order_line": [
                (
                    0,
                    0,
                    {
                        "product_id": admin(
                            "product.product", "create", {"name": f"Links CE {world['tag']}"}
                        ),
                        "product_uom_qty": 1,
                    },
                )
            ],
        },
    )
    admin("sale.order", "action_confirm", [central_order])
    picking = admin("stock.picking", "search", [("sale_id", "=", central_order)])
    assert picking
    note = f"probe note {world['tag']}"
    _refused(world["staff_mk"], "stock.picking", "message_post", picking, body=note)
    _refused(
        world["staff_mk"],
        "mail.message",
        "create",
        {"model": "stock.picking", "res_id": picking[0], "body": note},
    )
    assert not admin("mail.message", "search", [("body", "ilike", note)])
    # the chatter of the other branch's picking stays closed
    admin("stock.picking", "message_post", picking, body=f"internal {world['tag']}")
    assert not world["staff_mk"](
        "mail.message", "search", [("model", "=", "stock.picking"), ("res_id", "=", picking[0])]
    )
