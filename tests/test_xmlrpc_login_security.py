"""Login security of the retail roles against a running server (issue 14,
remote branches): allowed networks per branch over XML-RPC, two-factor login
on the web for the retail roles and the demo exemption, the password policy
over XML-RPC and the 30-minute idle-session timeout."""

import configparser
import os
import time
import uuid
import xmlrpc.client
from pathlib import Path

import pytest
from conftest import web_login

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def admin(odoo_server):
    return odoo_server.client("admin", "admin")


@pytest.fixture(scope="module")
def ctx(odoo_server, admin):
    tag = uuid.uuid4().hex[:6]
    staff_group = admin(
        "ir.model.data", "check_object_reference", "crm_retail_compile", "group_branch_staff"
    )[1]
    branch = admin("crm.retail.branch", "create", {"code": f"LS{tag}", "name": f"Login {tag}"})

    def user(login, **vals):
        return admin(
            "res.users",
            "create",
            {
                "name": login,
                "login": login,
                "password": login + "-pw",
                "groups_id": [(6, 0, [staff_group])],
                "retail_branch_ids": [(6, 0, [branch])],
                "retail_branch_id": branch,
                **vals,
            },
        )

    return {"tag": tag, "branch": branch, "user": user}


def session_info(server, session):
    response = session.post(
        f"{server.url}/web/session/get_session_info",
        json={"jsonrpc": "2.0", "method": "call", "params": {}},
        timeout=60,
    )
    return response.json()


def test_branch_networks_checked_at_login_and_on_every_call(odoo_server, admin, ctx):
    login = f"ls.net.{ctx['tag']}"
    uid = ctx["user"](login)
    password = login + "-pw"
    common = odoo_server.common()
    admin("crm.retail.branch", "write", [ctx["branch"]], {"login_networks": "10.0.0.0/8"})
    # the test client connects from 127.0.0.1
    assert common.authenticate(odoo_server.db, login, password, {}) is False
    log = (ROOT / f".odoo-test-server-{odoo_server.port}.log").read_text(errors="replace")
    assert f"Login refused for db:{odoo_server.db} login:{login} from 127.0.0.1" in log

    admin("crm.retail.branch", "write", [ctx["branch"]], {"login_networks": "127.0.0.0/8"})
    assert common.authenticate(odoo_server.db, login, password, {}) == uid
    client = odoo_server.client(login, password)
    assert client("res.users", "read", [uid], ["login"])[0]["login"] == login

    # a change applies to the next call, not only to the next login
    admin("crm.retail.branch", "write", [ctx["branch"]], {"login_networks": "10.0.0.0/8"})
    with pytest.raises(xmlrpc.client.Fault) as fault:
        client("res.users", "read", [uid], ["login"])
    assert "AccessDenied" in fault.value.faultString or "network" in fault.value.faultString
    admin("crm.retail.branch", "write", [ctx["branch"]], {"login_networks": False})
    assert client("res.users", "read", [uid], ["login"])


def test_bad_network_gets_validation_error(admin, ctx):
    with pytest.raises(xmlrpc.client.Fault) as fault:
        admin("crm.retail.branch", "write", [ctx["branch"]], {"login_networks": "10.0.0.1/8"})
    # a user error (ValidationError), not a server error with a traceback
    assert fault.value.faultCode == 2
    assert "'10.0.0.1/8' is not a network in CIDR notation" in fault.value.faultString
    assert "Traceback" not in fault.value.faultString


def test_weak_password_refused_for_retail_user(admin, ctx):
    login = f"ls.weak.{ctx['tag']}"
    with pytest.raises(xmlrpc.client.Fault) as fault:
        ctx["user"](login, password="weak")
    assert "Password must be 10 characters or more" in fault.value.faultString
    assert admin("res.users", "search", [("login", "=", login)]) == []


def test_retail_user_without_totp_cannot_complete_web_login(odoo_server, ctx):
    login = f"ls.mfa.{ctx['tag']}"
    ctx["user"](login)
    session, answer = web_login(odoo_server, login, login + "-pw")
    assert answer["result"]["uid"] is None
    info = session_info(odoo_server, session)
    assert "error" in info or not info["result"].get("uid")
    page = session.get(f"{odoo_server.url}/web/login/totp/setup", timeout=60)
    assert page.status_code == 200
    assert "Set up MFA" in page.text


def test_exempt_user_logs_in_without_second_factor(odoo_server, ctx):
    login = f"ls.exempt.{ctx['tag']}"
    uid = ctx["user"](login, crm_mfa_exempt=True)
    _session, answer = web_login(odoo_server, login, login + "-pw")
    assert answer["result"]["uid"] == uid


def test_demo_user_exempt_for_the_tours(odoo_server):
    _session, answer = web_login(odoo_server, "staff.central", "staff.central")
    if "error" in answer:
        pytest.skip("database installed without demo data")
    assert answer["result"]["uid"]


def test_idle_session_expires_after_30_minutes(odoo_server, ctx, request):
    login = f"ls.idle.{ctx['tag']}"
    uid = ctx["user"](login, crm_mfa_exempt=True)
    session, answer = web_login(odoo_server, login, login + "-pw")
    assert answer["result"]["uid"] == uid
    conf = configparser.ConfigParser()
    conf.read(request.config.getoption("--odoo-config") or ROOT / ".odoo-effective.conf")
    sid = session.cookies["session_id"]
    path = Path(conf["options"]["data_dir"]) / "sessions" / sid[:2] / sid
    assert path.exists()
    # 20 minutes idle: still logged in (and the request counts as activity)
    idle = time.time() - 20 * 60
    os.utime(path, (idle, idle))
    assert session_info(odoo_server, session)["result"]["uid"] == uid
    # 31 minutes idle: logged out
    idle = time.time() - 31 * 60
    os.utime(path, (idle, idle))
    # the very request that finds the session idle is refused, and so is the next
    answer = session.post(
        f"{odoo_server.url}/web/dataset/call_kw/res.users/read",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "model": "res.users",
                "method": "read",
                "args": [[uid], ["login"]],
                "kwargs": {},
            },
        },
        timeout=60,
    ).json()
    assert "result" not in answer
    assert answer["error"]["data"]["name"] == "odoo.http.SessionExpiredException"
    again = session_info(odoo_server, session)
    assert again["error"]["data"]["name"] == "odoo.http.SessionExpiredException"
