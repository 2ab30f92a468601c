"""Over XML-RPC, against a running server: issue 21, the customer at the
till (res.partner crm_pos_*, what Odoo's Point of Sale calls).

The cashier's calls are public methods: a user without a Retail CRM role
is refused, bad input gets a clear fault and writes nothing, the same
person enrolled twice with the phone written differently is one customer,
and the consent given at the till is recorded with its source, branch and
cashier."""

import random
import uuid
import xmlrpc.client

import pytest
from conftest import new_user, ref


@pytest.fixture(scope="module")
def world(odoo_server, admin):
    tag = uuid.uuid4().hex[:6].upper()
    branch = admin("crm.retail.branch", "create", {"code": f"P{tag}", "name": f"Till {tag}"})
    till = admin("pos.config", "create", {"name": f"Till {tag}", "retail_branch_id": branch})
    pics = admin("crm.privacy.pics", "search", [("state", "=", "active")], limit=1)
    if not pics:
        pics = [admin("crm.privacy.pics", "create", {"name": "PICS", "version": f"t-{tag}"})]
        admin("crm.privacy.pics", "action_activate", pics)
    return {
        "tag": tag,
        "branch": branch,
        "till": till,
        "purpose": ref(admin, "crm_privacy_pdpo.purpose_promotions"),
        "cashier": new_user(
            odoo_server,
            admin,
            f"till.cashier.{tag.lower()}",
            ["crm_retail_compile.group_branch_staff"],
            [branch],
        ),
        "pos_only": new_user(
            odoo_server, admin, f"till.posonly.{tag.lower()}", ["point_of_sale.group_pos_user"]
        ),
    }


def _mobile():
    """A Hong Kong mobile number no other run uses: 61 and six digits."""
    return "61%06d" % random.randrange(10**6)


def _fault(call, *args):
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call(*args)
    assert "Traceback" not in caught.value.faultString
    return caught.value.faultString


def test_pos_user_without_retail_role_refused(world):
    pos_only = world["pos_only"]
    message = _fault(pos_only, "res.partner", "crm_pos_find_customers", world["till"], "9123 4567")
    assert "Retail CRM role" in message
    message = _fault(
        pos_only,
        "res.partner",
        "crm_pos_enrol",
        world["till"],
        {"name": "X", "phone": _mobile()},
        {"pics_acknowledged": True},
    )
    assert "Retail CRM role" in message


def test_bad_input_refused_clearly(admin, world):
    cashier, till = world["cashier"], world["till"]
    name = f"Till Bad {world['tag']}"
    cases = [
        ((till, {"name": name, "phone": "1234"}, {"pics_acknowledged": True}), "phone"),
        ((till, {"name": name, "email": "nope"}, {"pics_acknowledged": True}), "email"),
        ((till, {"name": name, "phone": _mobile(), "x": 1}, {}), "x"),
        ((till, [name], {}), "struct"),
        ((str(till), {"name": name, "phone": _mobile()}, {}), "till"),
        ((till, {"name": name, "phone": _mobile()}, {"pics_acknowledged": False}), "notice"),
        ((till, {"name": name, "phone": _mobile()}, {"consents": {"a:b": True}}), "consent"),
    ]
    for args, hint in cases:
        message = _fault(cashier, "res.partner", "crm_pos_enrol", *args)
        assert hint in message.lower(), message
    assert admin("res.partner", "search_count", [("name", "=", name)]) == 0


def test_enrol_twice_one_customer_with_consent(admin, world):
    cashier, till, purpose = world["cashier"], world["till"], world["purpose"]
    number = _mobile()
    name = f"Till Customer {world['tag']}"
    first = cashier(
        "res.partner",
        "crm_pos_enrol",
        till,
        {"name": name, "phone": f"{number[:4]} {number[4:]}"},
        {"pics_acknowledged": True, "consents": {f"{purpose}:sms": True}},
    )
    assert first["created"] and first["membership_number"]
    second = cashier(
        "res.partner",
        "crm_pos_enrol",
        till,
        {"name": name.upper(), "phone": f"+852-{number}"},
        {"pics_acknowledged": True},
    )
    assert (second["id"], second["created"]) == (first["id"], False)
    assert cashier("res.partner", "crm_pos_find_customers", till, f"852{number}") == [first["id"]]
    assert admin("res.partner", "search_count", [("name", "ilike", name)]) == 1
    [consent] = admin(
        "crm.privacy.consent",
        "search_read",
        [("partner_id", "=", first["id"])],
        ["channel", "kind", "source", "recorded_branch_id", "user_id", "purpose_id"],
    )
    assert (consent["channel"], consent["kind"], consent["source"]) == ("sms", "opt_in", "pos")
    assert consent["recorded_branch_id"][0] == world["branch"]
    assert consent["purpose_id"][0] == purpose
    assert consent["user_id"][0] == cashier.uid
