"""Issue 21 over XML-RPC, against a running server: a cashier (branch staff)
rings up sales at their own branch's till, sees that branch's POS orders,
sessions and payments only, and cannot sell on another branch's session;
the sale is an in-store sales event of the branch, equal to the order."""

import datetime
import uuid
import xmlrpc.client

import pytest
from conftest import new_user

STAFF = ("crm_retail_compile.group_branch_staff",)


def _till(admin, tag, branch, suffix):
    journal = admin(
        "account.journal",
        "create",
        {"name": f"Cash {tag}{suffix}", "type": "cash", "code": f"X{tag[:3]}{suffix}"},
    )
    cash = admin(
        "pos.payment.method", "create", {"name": f"Cash {tag}{suffix}", "journal_id": journal}
    )
    till = admin(
        "pos.config",
        "create",
        {
            "name": f"Till {tag}{suffix}",
            "retail_branch_id": branch,
            "payment_method_ids": [(6, 0, [cash])],
        },
    )
    return till, cash


def _order(till, session, cash, product, price, partner, user):
    ref = str(uuid.uuid4())
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "amount_paid": price,
        "amount_return": 0,
        "amount_tax": 0,
        "amount_total": price,
        "date_order": now,
        "fiscal_position_id": False,
        "pricelist_id": False,
        "name": f"Order {ref}",
        "last_order_preparation_change": "{}",
        "lines": [
            (
                0,
                0,
                {
                    "product_id": product,
                    "qty": 1,
                    "price_unit": price,
                    "discount": 0,
                    "price_subtotal": price,
                    "price_subtotal_incl": price,
                    "tax_ids": [(6, 0, [])],
                    "pack_lot_ids": [],
                },
            )
        ],
        "partner_id": partner,
        "session_id": session,
        "sequence_number": 1,
        "payment_ids": [(0, 0, {"amount": price, "name": now, "payment_method_id": cash})],
        "uuid": ref,
        "user_id": user,
        "to_invoice": False,
    }


@pytest.fixture(scope="module")
def shops(odoo_server, admin):
    """Two branches, each with a till, an open session, a cashier and a
    customer; one sale rung up by each cashier at their till."""
    tag = uuid.uuid4().hex[:6].upper()
    product = admin(
        "product.product",
        "create",
        {
            "name": f"POS RPC Bangle {tag}",
            "list_price": 888.88,
            "standard_price": 333.33,
            "available_in_pos": True,
            "taxes_id": [(5, 0, 0)],
        },
    )
    world = {"tag": tag, "product": product}
    for key in ("1", "2"):
        branch = admin(
            "crm.retail.branch", "create", {"code": f"P{key}{tag}", "name": f"POS {key} {tag}"}
        )
        till, cash = _till(admin, tag, branch, key)
        login = f"pos.cashier{key}.{tag.lower()}"
        cashier = new_user(odoo_server, admin, login, STAFF, branches=[branch])
        uid = admin("res.users", "search", [("login", "=", login)])[0]
        customer = admin(
            "res.partner",
            "create",
            {
                "name": f"POS RPC Customer {key} {tag}",
                "is_retail_customer": True,
                "retail_branch_id": branch,
            },
        )
        # the cashier opens their till and sells
        cashier("pos.config", "open_ui", [till])
        session = cashier("pos.config", "read", [till], ["current_session_id"])[0][
            "current_session_id"
        ][0]
        data = _order(till, session, cash, product, 888.88, customer, uid)
        result = cashier("pos.order", "sync_from_ui", [data])
        order = result["pos.order"][0]["id"]
        world[key] = {
            "branch": branch,
            "till": till,
            "cash": cash,
            "cashier": cashier,
            "uid": uid,
            "customer": customer,
            "session": session,
            "order": order,
        }
    return world


def test_cashier_sees_only_own_branch_pos_records(shops, admin):
    one, two = shops["1"], shops["2"]
    cashier = one["cashier"]
    orders = cashier("pos.order", "search", [("id", "in", [one["order"], two["order"]])])
    assert orders == [one["order"]]
    sessions = cashier("pos.session", "search", [("id", "in", [one["session"], two["session"]])])
    assert sessions == [one["session"]]
    payments = admin(
        "pos.payment", "search", [("pos_order_id", "in", [one["order"], two["order"]])]
    )
    assert len(payments) == 2
    visible = cashier(
        "pos.payment", "search_read", [("id", "in", payments)], fields=["pos_order_id"]
    )
    assert [p["pos_order_id"][0] for p in visible] == [one["order"]]
    lines = cashier("pos.order.line", "search", [("order_id", "in", [one["order"], two["order"]])])
    assert len(lines) == 1
    for model, rec_id in (
        ("pos.order", two["order"]),
        ("pos.session", two["session"]),
        ("pos.config", two["till"]),
    ):
        with pytest.raises(xmlrpc.client.Fault) as fault:
            cashier(model, "read", [rec_id], ["display_name"])
        assert (
            "AccessError" in fault.value.faultString or "access" in fault.value.faultString.lower()
        )


def test_cashier_cannot_sell_on_another_branch_session(shops):
    one, two = shops["1"], shops["2"]
    data = _order(
        two["till"], two["session"], two["cash"], shops["product"], 10.0, False, one["uid"]
    )
    with pytest.raises(xmlrpc.client.Fault) as fault:
        one["cashier"]("pos.order", "sync_from_ui", [data])
    assert "Traceback" not in fault.value.faultString.split("\n")[0]
    assert (
        "access" in fault.value.faultString.lower() or "branch" in fault.value.faultString.lower()
    )


def test_pos_sale_is_an_in_store_sales_event_of_the_branch(shops, admin):
    one = shops["1"]
    events = admin(
        "crm.sales.event",
        "search_read",
        [("pos_order_id", "=", one["order"]), ("is_revenue", "=", True)],
        fields=["event_type", "booked_revenue", "booked_cost", "retail_branch_id", "partner_id"],
    )
    assert len(events) == 1
    event = events[0]
    assert event["event_type"] == "order_confirmed"
    assert event["booked_revenue"] == pytest.approx(888.88, abs=0.001)
    assert event["booked_cost"] == pytest.approx(333.33, abs=0.001)
    assert event["retail_branch_id"][0] == one["branch"]
    assert event["partner_id"][0] == one["customer"]
    channel = admin("res.partner", "read", [one["customer"]], ["retail_channel"])[0]
    assert channel["retail_channel"] == "store"
    # branch staff do not read the sales record at all (managers and analysts do)
    with pytest.raises(xmlrpc.client.Fault) as fault:
        shops["2"]["cashier"]("crm.sales.event", "search", [("pos_order_id", "=", one["order"])])
    assert "not allowed" in fault.value.faultString
