"""Over XML-RPC, against a running server: issue 15, forms that help and
data-quality work a clerk can do.

A bad phone number or e-mail of a retail customer is refused with a clear
message (what good looks like), good ones are stored normalised; a clerk
corrects a data-quality issue in place and the issue is resolved."""

import uuid
import xmlrpc.client

import pytest
from conftest import new_user, pg_scalar


@pytest.fixture(scope="module")
def world(odoo_server, admin):
    tag = uuid.uuid4().hex[:6].upper()
    branch = admin("crm.retail.branch", "create", {"code": f"E{tag}", "name": f"Entry {tag}"})
    other = admin("crm.retail.branch", "create", {"code": f"F{tag}", "name": f"Other {tag}"})

    def user(login, group, branch):
        return new_user(odoo_server, admin, login, [group], [branch])

    district = admin(
        "ir.model.data", "check_object_reference", "crm_retail_compile", "district_cw"
    )[1]
    return {
        "tag": tag,
        "district": district,
        "branch": branch,
        "other": other,
        "staff": user(
            f"entry.staff.{tag.lower()}", "crm_retail_compile.group_branch_staff", branch
        ),
        "staff_other": user(
            f"entry.other.{tag.lower()}", "crm_retail_compile.group_branch_staff", other
        ),
        "manager": user(
            f"entry.manager.{tag.lower()}", "crm_retail_compile.group_branch_manager", branch
        ),
    }


def _customer(client, world, **vals):
    values = {
        "name": f"Entry Customer {world['tag']}",
        "is_retail_customer": True,
        "retail_branch_id": world["branch"],
        "district_id": world["district"],
    }
    values.update(vals)
    return client("res.partner", "create", values)


def test_bad_phone_and_email_refused_clearly(world):
    staff = world["staff"]
    with pytest.raises(xmlrpc.client.Fault) as caught:
        _customer(staff, world, phone="12345")
    assert "8 digits" in caught.value.faultString
    assert "+852 9123 4567" in caught.value.faultString
    assert "Traceback" not in caught.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as caught:
        _customer(staff, world, email="not-an-email")
    assert "not-an-email" in caught.value.faultString
    assert "Traceback" not in caught.value.faultString
    partner = _customer(staff, world, phone="9123 4567", mobile="+86 139 1234 5678")
    [read] = staff("res.partner", "read", [partner], ["phone", "mobile"])
    assert (read["phone"], read["mobile"]) == ("+852 9123 4567", "+86 139 1234 5678")


def test_clerk_fixes_an_issue_in_place(odoo_server, world):
    staff, manager = world["staff"], world["manager"]
    partner = _customer(staff, world, mobile="6123 4567", email=f"fix.{world['tag']}@example.com")
    # legacy data from an old import: an impossible mobile number
    pg_scalar(
        odoo_server.db,
        "UPDATE res_partner SET mobile = '44786' WHERE id = %s RETURNING id",
        partner,
    )
    rule = manager(
        "ir.model.data", "check_object_reference", "crm_retail_compile", "crm_dq_rule_invalid_phone"
    )[1]
    manager("crm.dq.rule", "action_check_now", [rule])
    [issue] = staff(
        "crm.dq.issue",
        "search_read",
        [("rule_id", "=", rule), ("res_id", "=", partner), ("state", "=", "open")],
        ["explanation_problem", "explanation_good", "can_fix"],
    )
    assert "44786" in issue["explanation_problem"]
    assert "+852 9123 4567" in issue["explanation_good"]
    assert issue["can_fix"]
    # staff of another branch cannot open it
    with pytest.raises(xmlrpc.client.Fault) as caught:
        world["staff_other"]("crm.dq.issue", "action_fix", [issue["id"]])
    assert "Traceback" not in caught.value.faultString
    action = staff("crm.dq.issue", "action_fix", [issue["id"]])
    wizard = action["res_id"]
    staff("crm.dq.fix.wizard", "write", [wizard], {"new_value": "12345"})
    with pytest.raises(xmlrpc.client.Fault) as caught:
        staff("crm.dq.fix.wizard", "action_apply", [wizard])
    assert "8 digits" in caught.value.faultString
    staff("crm.dq.fix.wizard", "write", [wizard], {"new_value": "9234 5678"})
    staff("crm.dq.fix.wizard", "action_apply", [wizard])
    [state] = staff("crm.dq.issue", "read", [issue["id"]], ["state"])
    assert state["state"] == "resolved"
    [read] = staff("res.partner", "read", [partner], ["mobile"])
    assert read["mobile"] == "+852 9234 5678"
