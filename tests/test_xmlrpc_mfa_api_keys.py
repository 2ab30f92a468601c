"""Password-free RPC for the users who must use two-factor login (issue 18):
with ``crm_retail_compile.mfa_rpc_api_keys_only`` = 1 (every database
installed without demo data), a person of a Retail CRM role, the
administrator included, reaches XML-RPC only with an API key; exempt users
keep their password. The rule is bound to the RPC routes, so Odoo's own
in-process logins (HttpCase.authenticate in Odoo's tours) keep stock
behaviour: crm_retail_compile/tests/test_login_security.py."""

import uuid
import xmlrpc.client

import pytest
from conftest import new_user

PARAM = "crm_retail_compile.mfa_rpc_api_keys_only"


@pytest.fixture
def sysadmin(odoo_server, admin):
    """An exempt settings administrator: sets the parameter and puts it back
    even while the password RPC of the other administrators is refused."""
    login = f"mk.sys.{uuid.uuid4().hex[:6]}"
    client = new_user(
        odoo_server,
        admin,
        login,
        ["base.group_system", "crm_retail_compile.group_retail_admin"],
        crm_mfa_exempt=True,
    )
    before = client("ir.config_parameter", "get_param", PARAM) or "0"
    yield client
    client("ir.config_parameter", "set_param", PARAM, before)


def test_enforced_users_need_an_api_key_over_rpc(odoo_server, admin, sysadmin):
    tag = uuid.uuid4().hex[:6]
    branch = admin("crm.retail.branch", "create", {"code": f"MK{tag}", "name": f"Keys {tag}"})
    login = f"mk.staff.{tag}"
    staff = new_user(
        odoo_server, admin, login, ["crm_retail_compile.group_branch_staff"], branches=[branch]
    )
    assert staff("res.users", "read", [staff.uid], ["login"])[0]["login"] == login
    admin_login = f"mk.adm.{tag}"
    new_user(
        odoo_server,
        admin,
        admin_login,
        ["base.group_system", "crm_retail_compile.group_retail_admin"],
    )

    sysadmin("ir.config_parameter", "set_param", PARAM, "1")
    common = odoo_server.common()
    # the login and every call with the password are refused
    assert not common.authenticate(odoo_server.db, login, login + "-pw", {})
    with pytest.raises(xmlrpc.client.Fault) as fault:
        staff("res.users", "read", [staff.uid], ["login"])
    assert "Access Denied" in fault.value.faultString
    assert "Traceback" not in fault.value.faultString
    # administrators are people of the retail roles too: no password RPC
    assert not common.authenticate(odoo_server.db, admin_login, admin_login + "-pw", {})
    # unless exempt (the demo data exempts the demo logins)
    [admin_user] = sysadmin(
        "res.users", "search_read", [("login", "=", "admin")], ["crm_mfa_exempt"]
    )
    admin_uid = common.authenticate(odoo_server.db, "admin", "admin", {})
    assert bool(admin_uid) == admin_user["crm_mfa_exempt"]
    # exempt users (demo, tours, integration machines) keep their password
    assert sysadmin("res.users", "search_count", [("login", "=", login)]) == 1

    sysadmin("ir.config_parameter", "set_param", PARAM, "0")
    assert common.authenticate(odoo_server.db, login, login + "-pw", {}) == staff.uid
