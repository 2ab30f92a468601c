"""Asking a customer to complete their details, over a real server (issue
17): a clerk asks over XML-RPC, the e-mail with the signed link arrives in
the local mail catcher (the SMS with its short link at the fake gateway),
and answering through that link (an HTTP POST with the CSRF token of the
page) updates the customer, resolves the issue and logs the source. The
wrong role and system-set fields get a clear fault."""

import re
import uuid
import xmlrpc.client

import pytest
import requests
from conftest import flush_queues, new_user, ref

LINK_RE = re.compile(r"/my/data-request/(\d+)\?access_token=([\w-]+)")
SHORT_RE = re.compile(r"/dq/([\w-]+)")
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def world(odoo_server, admin):
    tag = uuid.uuid4().hex[:6].lower()
    branch = admin("crm.retail.branch", "create", {"code": f"Q{tag}", "name": f"DQ {tag}"})
    by_mail = admin(
        "res.partner",
        "create",
        {
            "name": f"Mail Customer {tag}",
            "is_retail_customer": True,
            "retail_branch_id": branch,
            "email": f"dq.mail.{tag}@example.com",
            "preferred_language": "en",
        },
    )
    by_sms = admin(
        "res.partner",
        "create",
        {
            "name": f"SMS Customer {tag}",
            "is_retail_customer": True,
            "retail_branch_id": branch,
            "mobile": f"6{int(tag, 16) % 10**7:07d}",
            "preferred_contact_channel": "sms",
        },
    )
    staff = new_user(
        odoo_server, admin, f"dq.staff.{tag}", ["crm_retail_compile.group_branch_staff"], [branch]
    )
    analyst = new_user(
        odoo_server,
        admin,
        f"dq.analyst.{tag}",
        ["crm_retail_compile.group_department_analyst"],
        [branch],
        retail_department_id=ref(admin, "crm_retail_compile.department_marketing"),
    )
    # the no-district rule finds both customers
    rule = ref(admin, "crm_retail_compile.crm_dq_rule_no_district")
    admin("crm.dq.rule", "action_check_now", [rule])
    return {
        "tag": tag,
        "by_mail": by_mail,
        "by_sms": by_sms,
        "staff": staff,
        "analyst": analyst,
        "rule": rule,
        "district": ref(admin, "crm_retail_compile.district_cw"),
    }


def _issue(admin, world, partner):
    return admin(
        "crm.dq.issue",
        "search_read",
        [("rule_id", "=", world["rule"]), ("res_id", "=", partner)],
        ["state", "resolution", "dq_request_state"],
    )[0]


def test_request_by_mail_answered_through_the_link(odoo_server, admin, world, mail_catcher):
    staff = world["staff"]
    result = staff("res.partner", "action_ask_customer", [world["by_mail"]])
    assert result["params"]["type"] == "success"
    req = admin(
        "crm.dq.request",
        "search_read",
        [("partner_id", "=", world["by_mail"])],
        ["state", "channel", "origin"],
    )
    assert [(r["state"], r["channel"], r["origin"]) for r in req] == [("sent", "email", "clerk")]
    assert _issue(admin, world, world["by_mail"])["dq_request_state"] == "sent"
    flush_queues(admin)
    email = f"dq.mail.{world['tag']}@example.com"
    mails = [m for m in mail_catcher.messages() if email in m["to"]]
    assert len(mails) == 1, mail_catcher.messages()
    link = LINK_RE.search(mails[0]["html"])
    assert link and int(link.group(1)) == req[0]["id"]
    url = f"{odoo_server.url}{link.group(0)}"
    # the customer's browser: the page, then the form with its CSRF token
    session = requests.Session()
    page = session.get(url, timeout=30)
    assert page.status_code == 200
    assert 'name="district_id"' in page.text and 'name="mobile"' not in page.text
    csrf = CSRF_RE.search(page.text).group(1)
    answer = session.post(
        f"{odoo_server.url}/my/data-request/{link.group(1)}",
        data={
            "csrf_token": csrf,
            "access_token": link.group(2),
            "district_id": str(world["district"]),
        },
        timeout=30,
    )
    assert answer.status_code == 200 and "o_dq_request_done" in answer.text
    customer = admin("res.partner", "read", [world["by_mail"]], ["district_id"])[0]
    assert customer["district_id"][0] == world["district"]
    issue = _issue(admin, world, world["by_mail"])
    assert (issue["state"], issue["resolution"]) == ("resolved", "customer_portal")
    req = admin("crm.dq.request", "read", [req[0]["id"]], ["state", "answer_source"])[0]
    assert (req["state"], req["answer_source"]) == ("answered", "portal_link")
    logs = admin(
        "mail.message",
        "search_read",
        [("model", "=", "res.partner"), ("res_id", "=", world["by_mail"])],
        ["body"],
    )
    assert any("answered by the customer" in m["body"] for m in logs)
    # the link works once; a wrong token is not found
    again = session.post(
        f"{odoo_server.url}/my/data-request/{link.group(1)}",
        data={"csrf_token": csrf, "access_token": link.group(2), "district_id": "1"},
        timeout=30,
    )
    assert again.status_code == 410
    wrong = session.get(
        f"{odoo_server.url}/my/data-request/{link.group(1)}?access_token=x{link.group(2)}",
        timeout=30,
    )
    assert wrong.status_code == 404
    # asked again at once: refused (one request per customer within N days)
    result = staff("res.partner", "action_ask_customer", [world["by_mail"]])
    assert result["params"]["type"] == "warning"


def test_request_by_sms_with_a_short_link(odoo_server, admin, world, sms_gateway):
    world["staff"]("res.partner", "action_ask_customer", [world["by_sms"]])
    req = admin(
        "crm.dq.request", "search_read", [("partner_id", "=", world["by_sms"])], ["channel"]
    )
    assert [r["channel"] for r in req] == ["sms"]
    flush_queues(admin)
    sent = [m for m in sms_gateway.messages() if SHORT_RE.search(m["body"])]
    assert len(sent) == 1, sms_gateway.messages()
    code = SHORT_RE.search(sent[0]["body"]).group(1)
    session = requests.Session()
    page = session.get(f"{odoo_server.url}/dq/{code}", timeout=30)
    assert page.status_code == 200 and 'name="district_id"' in page.text


def test_wrong_role_and_system_fields_refused(admin, world):
    with pytest.raises(xmlrpc.client.Fault, match="Only branch staff"):
        world["analyst"]("res.partner", "action_ask_customer", [world["by_mail"]])
    with pytest.raises(xmlrpc.client.Fault, match="set by the system"):
        world["staff"](
            "crm.dq.request",
            "create",
            {"partner_id": world["by_mail"], "channel": "email", "state": "answered"},
        )
    with pytest.raises(xmlrpc.client.Fault, match="AccessError|not allowed|access"):
        world["staff"]("crm.dq.request", "search_read", [], ["access_token"])
