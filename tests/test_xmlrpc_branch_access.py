"""Over XML-RPC, against a running server: branch staff see only their
branch's customers, and bad input gets a clear fault, not a traceback."""

import uuid
import xmlrpc.client

import pytest


@pytest.fixture(scope="module")
def world(odoo_server, admin):
    """Two branches, a staff user in the first, a customer in each."""
    tag = uuid.uuid4().hex[:6].upper()
    branch_1 = admin("crm.retail.branch", "create", {"code": f"R1{tag}", "name": f"RPC 1 {tag}"})
    branch_2 = admin("crm.retail.branch", "create", {"code": f"R2{tag}", "name": f"RPC 2 {tag}"})
    staff_group = admin(
        "ir.model.data", "check_object_reference", "crm_retail_compile", "group_branch_staff"
    )[1]
    login = f"rpc.staff.{tag.lower()}"
    admin(
        "res.users",
        "create",
        {
            "name": f"RPC staff {tag}",
            "login": login,
            "password": login + "-pw",
            "groups_id": [(6, 0, [staff_group])],
            "retail_branch_ids": [(6, 0, [branch_1])],
            "retail_branch_id": branch_1,
        },
    )
    cust_1 = admin(
        "res.partner",
        "create",
        {"name": f"RPC Customer 1 {tag}", "is_retail_customer": True, "retail_branch_id": branch_1},
    )
    cust_2 = admin(
        "res.partner",
        "create",
        {"name": f"RPC Customer 2 {tag}", "is_retail_customer": True, "retail_branch_id": branch_2},
    )
    staff = odoo_server.client(login, login + "-pw")
    return {"tag": tag, "staff": staff, "cust_1": cust_1, "cust_2": cust_2, "b1": branch_1}


def test_staff_sees_only_own_branch_customers(world):
    staff = world["staff"]
    found = staff(
        "res.partner",
        "search_read",
        [("is_retail_customer", "=", True), ("name", "like", world["tag"])],
        fields=["name", "retail_branch_id"],
    )
    assert [r["id"] for r in found] == [world["cust_1"]]
    assert found[0]["retail_branch_id"][0] == world["b1"]


def test_staff_reading_other_branch_customer_gets_access_error(world):
    with pytest.raises(xmlrpc.client.Fault) as fault:
        world["staff"]("res.partner", "read", [world["cust_2"]], ["name"])
    assert "AccessError" in fault.value.faultString or "access" in fault.value.faultString.lower()


def test_unknown_district_gets_validation_error(world):
    with pytest.raises(xmlrpc.client.Fault) as fault:
        world["staff"]("res.partner", "write", [world["cust_1"]], {"district_id": 999999})
    assert "Unknown district" in fault.value.faultString


def test_demo_branch_staff_sees_only_central(odoo_server):
    """The demo login printed by setup/run.sh works and is branch-scoped."""
    try:
        staff = odoo_server.client("staff.central", "staff.central")
    except PermissionError:
        pytest.skip("database installed without demo data")
    rows = staff(
        "res.partner",
        "search_read",
        [("is_retail_customer", "=", True), ("retail_branch_id", "!=", False)],
        fields=["retail_branch_id"],
    )
    assert rows, "the Central demo customers are visible"
    assert {r["retail_branch_id"][1] for r in rows} == {"Central 中環"}
