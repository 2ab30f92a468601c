"""Telephone service and "Remind Now" over XML-RPC, against a running server
(issue 17): a call centre looks a caller up by any Hong Kong number format,
logs calls by number, and staff send a payment reminder at once; bad input
gets a clear fault, never a traceback."""

import datetime
import random
import uuid
import xmlrpc.client

import pytest
from conftest import new_user, ref


@pytest.fixture(scope="module")
def world(odoo_server, admin):
    tag = uuid.uuid4().hex[:6].upper()
    branch_1 = admin("crm.retail.branch", "create", {"code": f"T1{tag}", "name": f"Tel 1 {tag}"})
    branch_2 = admin("crm.retail.branch", "create", {"code": f"T2{tag}", "name": f"Tel 2 {tag}"})
    # numbers no other customer of the database has (61xx xxxx)
    rng = random.Random(tag)
    local_1, local_2 = (f"61{rng.randrange(10**6):06d}" for _i in range(2))
    cust_1 = admin(
        "res.partner",
        "create",
        {
            "name": f"Caller One {tag}",
            "is_retail_customer": True,
            "retail_branch_id": branch_1,
            "mobile": f"+852 {local_1[:4]} {local_1[4:]}",
            "email": f"caller.one.{tag.lower()}@example.com",
        },
    )
    cust_2 = admin(
        "res.partner",
        "create",
        {
            "name": f"Caller Two {tag}",
            "is_retail_customer": True,
            "retail_branch_id": branch_2,
            "phone": local_2,
        },
    )
    staff = new_user(
        odoo_server,
        admin,
        f"tel.staff.{tag.lower()}",
        ["crm_retail_compile.group_branch_staff"],
        [branch_1],
    )
    call_centre = new_user(
        odoo_server,
        admin,
        f"tel.api.{tag.lower()}",
        ["crm_retail_compile.group_integration"],
        [branch_1],
    )
    analyst = new_user(
        odoo_server,
        admin,
        f"tel.analyst.{tag.lower()}",
        ["crm_retail_compile.group_department_analyst"],
        [branch_1],
        retail_department_id=ref(admin, "crm_retail_compile.department_finance"),
    )
    return {
        "tag": tag,
        "local_1": local_1,
        "local_2": local_2,
        "cust_1": cust_1,
        "cust_2": cust_2,
        "branch_1": branch_1,
        "staff": staff,
        "call_centre": call_centre,
        "analyst": analyst,
    }


def test_caller_lookup_in_every_format(world):
    d = world["local_1"]
    for number in (
        f"{d[:4]} {d[4:]}",
        f"+852 {d[:4]}-{d[4:]}",
        f"852{d}",
        f"(852) {d}",
    ):
        for client in (world["staff"], world["call_centre"]):
            result = client("crm.jewellery.caller.lookup", "caller_lookup", number)
            assert result["count"] == 1, number
            customer = result["customers"][0]
            assert customer["id"] == world["cust_1"]
            assert customer["own_branch"] is True
            assert customer["name"] == f"Caller One {world['tag']}"
            assert result["number"] == f"+852 {d[:4]} {d[4:]}"


def test_other_branch_caller_gets_the_branch_only(world):
    result = world["call_centre"]("crm.jewellery.caller.lookup", "caller_lookup", world["local_2"])
    assert result["customers"] == [
        {"own_branch": False, "branch": f"Tel 2 {world['tag']}", "branch_phone": ""}
    ]


def test_caller_lookup_bad_input_and_role(world):
    for number in ("", "123", "call me", 61234567):
        with pytest.raises(xmlrpc.client.Fault) as fault:
            world["staff"]("crm.jewellery.caller.lookup", "caller_lookup", number)
        assert "phone number" in fault.value.faultString
        assert "Traceback" not in fault.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as fault:
        world["analyst"]("crm.jewellery.caller.lookup", "caller_lookup", world["local_1"])
    assert "look up callers" in fault.value.faultString


def test_calls_logged_by_number_get_their_customer(world, admin):
    d = world["local_1"]
    ids = world["call_centre"](
        "crm.jewellery.call",
        "create",
        [
            {"phone": f"(852) {d}", "summary": "Ring size", "outcome": "missed"},
            {"phone": world["local_2"], "summary": "Other branch"},
        ],
    )
    calls = admin("crm.jewellery.call", "read", ids, ["partner_id", "phone", "activity_ids"])
    assert calls[0]["partner_id"][0] == world["cust_1"]
    assert calls[0]["phone"] == f"+852 {d[:4]} {d[4:]}"
    assert calls[0]["activity_ids"], "a missed call plans a call-back"
    # another branch's customer is not linked for this user
    assert calls[1]["partner_id"] is False
    # calling the customer back closes the call-back
    world["call_centre"](
        "crm.jewellery.call",
        "create",
        {"phone": d, "summary": "Called back", "direction": "outbound"},
    )
    calls = admin("crm.jewellery.call", "read", ids[:1], ["activity_ids"])
    assert calls[0]["activity_ids"] == []


def test_remind_now(world, admin):
    today = datetime.date.today().isoformat()
    order = admin(
        "crm.jewellery.custom.order",
        "create",
        {
            "partner_id": world["cust_1"],
            "retail_branch_id": world["branch_1"],
            "service_amount": 6000,
            "amount_paid": 1000,
            "balance_due_date": today,
        },
    )
    admin("crm.jewellery.custom.order", "action_approve_design", [order])
    try:
        _remind_now(world, admin, order)
    finally:
        # paid, and no log left: the reminder tests that run later on the
        # same database see neither
        admin("crm.jewellery.custom.order", "write", [order], {"amount_paid": 6000})
        logs = admin(
            "crm.jewellery.reminder.log",
            "search",
            [("res_model", "=", "crm.jewellery.custom.order"), ("res_id", "=", order)],
        )
        admin("crm.jewellery.reminder.log", "unlink", logs)


def _remind_now(world, admin, order):
    with pytest.raises(xmlrpc.client.Fault) as fault:
        world["analyst"]("crm.jewellery.custom.order", "action_remind_now", [order])
    assert "Traceback" not in fault.value.faultString
    action = world["staff"]("crm.jewellery.custom.order", "action_remind_now", [order])
    assert action["params"]["type"] == "success"
    with pytest.raises(xmlrpc.client.Fault) as fault:
        world["staff"]("crm.jewellery.custom.order", "action_remind_now", [order])
    assert "already sent today" in fault.value.faultString
    logs = admin(
        "crm.jewellery.reminder.log",
        "search_read",
        [("res_model", "=", "crm.jewellery.custom.order"), ("res_id", "=", order)],
        fields=["stage", "channel"],
    )
    assert [(log["stage"], log["channel"]) for log in logs] == [("due", "email")]
    with pytest.raises(xmlrpc.client.Fault) as fault:
        world["staff"]("crm.jewellery.reminder.log", "remind_now", "res.partner", [1])
    assert "invoices and custom orders" in fault.value.faultString
