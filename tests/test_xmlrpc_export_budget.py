"""Issue 14, findings 5 and 6, against a running server: one personal-data
export budget per user, counted across export_data chunks, the web client's
(grouped) XLSX export and search_read paging; export requests approved only
by another privacy officer; an analyst's department clearance applies to
plain reads."""

import io
import json
import re
import uuid
import xmlrpc.client

import openpyxl
import pytest
from conftest import web_session

BUDGET = 500  # crm_privacy_pdpo.export_approval_limit (default)


def _ref(admin, module, name):
    return admin("ir.model.data", "check_object_reference", module, name)[1]


@pytest.fixture(scope="module")
def world(odoo_server, admin):
    """Two branches with 350 customers each (e-mail, phone, street)."""
    assert (
        int(
            admin(
                "ir.config_parameter",
                "get_param",
                "crm_privacy_pdpo.export_approval_limit",
                str(BUDGET),
            )
        )
        == BUDGET
    )
    tag = uuid.uuid4().hex[:6].upper()
    branches = [
        admin("crm.retail.branch", "create", {"code": f"E{i}{tag}", "name": f"Exp {i} {tag}"})
        for i in (1, 2)
    ]
    customers = admin(
        "res.partner",
        "create",
        [
            {
                "name": f"Budget {tag} {i:04d}",
                "email": f"budget.{tag.lower()}.{i}@example.com",
                "phone": f"+852 91{i:06d}",
                "street": f"{i} Nathan Road",
                "is_retail_customer": True,
                "retail_branch_id": branches[i % 2],
            }
            for i in range(700)
        ],
    )
    return {"tag": tag, "branches": branches, "customers": sorted(customers)}


def _user(odoo_server, admin, world, name, groups, **vals):
    login = f"exp.{name}.{world['tag'].lower()}"
    admin(
        "res.users",
        "create",
        {
            "name": f"Export {name} {world['tag']}",
            "login": login,
            "password": login + "-pw",
            "groups_id": [(6, 0, groups)],
            "retail_branch_ids": [(6, 0, world["branches"])],
            "retail_branch_id": world["branches"][0],
            # a web login in these tests: no authenticator app
            "crm_mfa_exempt": True,
            **vals,
        },
    )
    return odoo_server.client(login, login + "-pw"), login


def _staff(odoo_server, admin, world, name):
    groups = [
        _ref(admin, "crm_retail_compile", "group_branch_staff"),
        _ref(admin, "base", "group_allow_export"),
    ]
    return _user(odoo_server, admin, world, name, groups)


def _logs(admin, login):
    return admin(
        "crm.privacy.export.log",
        "search_read",
        [("user_id.login", "=", login)],
        fields=["kind", "record_count", "export_request_id"],
        order="id",
    )


def test_export_data_chunks_stop_at_the_budget(odoo_server, admin, world):
    staff, login = _staff(odoo_server, admin, world, "chunks")
    ids = world["customers"]
    rows = staff("res.partner", "export_data", ids[:BUDGET], ["name", "email", "phone"])
    assert len(rows["datas"]) == BUDGET
    with pytest.raises(xmlrpc.client.Fault) as fault:
        staff("res.partner", "export_data", ids[BUDGET : 2 * BUDGET], ["name", "email"])
    assert "0 are left" in fault.value.faultString
    assert "Export Requests" in fault.value.faultString
    with pytest.raises(xmlrpc.client.Fault):
        staff("res.partner", "export_data", ids[BUDGET : BUDGET + 1], ["email"])
    assert [(log["kind"], log["record_count"]) for log in _logs(admin, login)] == [
        ("list_export", BUDGET)
    ]


def _web_session(odoo_server, login):
    session = web_session(odoo_server, login)
    page = session.get(f"{odoo_server.url}/odoo", timeout=60).text
    csrf = re.search(r'csrf_token: "([^"]+)"', page).group(1)
    return session, csrf


def _export_xlsx(
    odoo_server, session, csrf, world, domain, fmt="xlsx", groupby=("retail_branch_id",)
):
    data = {
        "import_compat": False,
        "context": {"lang": "en_US"},
        "domain": domain,
        "fields": [
            {"name": "name", "label": "Name", "type": "char"},
            {"name": "email", "label": "Email", "type": "char"},
            {"name": "phone", "label": "Phone", "type": "char"},
        ],
        "groupby": list(groupby),
        "ids": False,
        "model": "res.partner",
    }
    return session.post(
        f"{odoo_server.url}/web/export/{fmt}",
        data={"data": json.dumps(data), "csrf_token": csrf},
        timeout=120,
    )


def test_grouped_web_export_counts_the_whole_export(odoo_server, admin, world):
    _client, login = _staff(odoo_server, admin, world, "xlsx")
    session, csrf = _web_session(odoo_server, login)
    domain = [("name", "like", f"Budget {world['tag']}")]
    # 700 customers in two groups of 350: each group is under the budget,
    # the export is not
    response = _export_xlsx(odoo_server, session, csrf, world, domain)
    assert response.status_code == 500
    assert "700 records of personal data" in response.text
    assert "500 are left" in response.text
    assert _logs(admin, login) == []
    # 400 customers (200 per branch) go through, charged once as a whole
    response = _export_xlsx(
        odoo_server, session, csrf, world, [*domain, ("id", "<=", world["customers"][399])]
    )
    assert response.status_code == 200, response.text[:500]
    assert response.content[:2] == b"PK"  # an XLSX file
    assert [(log["kind"], log["record_count"]) for log in _logs(admin, login)] == [
        ("list_export", 400)
    ]
    # the next grouped export of 200 is refused: 100 are left
    response = _export_xlsx(
        odoo_server, session, csrf, world, [*domain, ("id", ">", world["customers"][499])]
    )
    assert response.status_code == 500
    assert "100 are left" in response.text
    # the CSV export goes through the same budget
    response = _export_xlsx(
        odoo_server,
        session,
        csrf,
        world,
        [*domain, ("id", ">", world["customers"][499])],
        fmt="csv",
        groupby=(),
    )
    assert response.status_code == 500
    assert "100 are left" in response.text
    response = _export_xlsx(
        odoo_server,
        session,
        csrf,
        world,
        [*domain, ("id", ">", world["customers"][599])],
        fmt="csv",
        groupby=(),
    )
    assert response.status_code == 200, response.text[:500]
    assert response.text.count("@example.com") == 100
    assert [log["record_count"] for log in _logs(admin, login)] == [400, 100]


def test_search_read_paging_is_charged_and_refused(odoo_server, admin, world):
    staff, login = _staff(odoo_server, admin, world, "paging")
    domain = [("name", "like", f"Budget {world['tag']}")]
    fetched, refused_at = 0, None
    for offset in range(0, 700, 80):
        try:
            page = staff(
                "res.partner",
                "search_read",
                domain,
                fields=["phone", "email"],
                offset=offset,
                limit=80,
                order="id",
            )
        except xmlrpc.client.Fault as fault:
            assert "are left" in fault.faultString
            refused_at = offset
            break
        fetched += len(page)
    # the first page is browsing; the next six (480 records) are charged;
    # the seventh would pass the budget of 500
    assert refused_at == 560
    assert fetched == 560
    logs = _logs(admin, login)
    assert {log["kind"] for log in logs} == {"read"}
    assert sum(log["record_count"] for log in logs) == 480
    # one big read is charged at once
    with pytest.raises(xmlrpc.client.Fault):
        staff("res.partner", "read", world["customers"][:100], ["email"])
    # unclassified fields are free
    assert len(staff("res.partner", "search_read", domain, fields=["is_company"])) == 700


def test_self_approval_refused_and_other_officer_approves(odoo_server, admin, world):
    officer_group = _ref(admin, "crm_privacy_pdpo", "group_privacy_officer")
    officer, _login = _user(odoo_server, admin, world, "officer1", [officer_group])
    officer_2, _login_2 = _user(odoo_server, admin, world, "officer2", [officer_group])
    model_id = admin("ir.model", "search", [("model", "=", "res.partner")])[0]
    vals = {"model_id": model_id, "max_records": 700, "purpose": "Year-end mailing"}
    request_id = officer("crm.privacy.export.request", "create", vals)
    for change in ({"state": "approved"}, {"approved_by_id": officer.uid}):
        with pytest.raises(xmlrpc.client.Fault) as fault:
            officer("crm.privacy.export.request", "write", [request_id], change)
        assert "AccessError" in fault.value.faultString or "set by the system" in (
            fault.value.faultString
        )
    with pytest.raises(xmlrpc.client.Fault) as fault:
        officer("crm.privacy.export.request", "create", {**vals, "state": "approved"})
    assert "set by the system" in fault.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as fault:
        officer(
            "crm.privacy.export.request",
            "create",
            vals,
            context={"default_state": "approved"},
        )
    assert "set by the system" in fault.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as fault:
        officer("crm.privacy.export.request", "action_approve", [request_id])
    assert "own export" in fault.value.faultString
    [state] = admin("crm.privacy.export.request", "read", [request_id], ["state"])
    assert state["state"] == "requested"
    # another officer approves: the 700-record read goes through once
    officer_2("crm.privacy.export.request", "action_approve", [request_id])
    rows = officer("res.partner", "read", world["customers"], ["email"])
    assert len(rows) == 700
    [request] = admin(
        "crm.privacy.export.request", "read", [request_id], ["state", "approved_by_id"]
    )
    assert request["state"] == "used"
    assert request["approved_by_id"][0] == officer_2.uid


def test_analyst_reads_contact_fields_up_to_department_clearance(odoo_server, admin, world):
    analyst_group = _ref(admin, "crm_retail_compile", "group_department_analyst")
    marketing, _m = _user(
        odoo_server,
        admin,
        world,
        "marketing",
        [analyst_group],
        retail_department_id=_ref(admin, "crm_retail_compile", "department_marketing"),
    )
    finance, _f = _user(
        odoo_server,
        admin,
        world,
        "finance",
        [analyst_group],
        retail_department_id=_ref(admin, "crm_retail_compile", "department_finance"),
    )
    customer = world["customers"][0]
    fields = ["name", "email", "phone", "street"]
    [seen] = marketing("res.partner", "read", [customer], fields)
    assert seen["name"].startswith("Budget")
    assert not (seen["email"] or seen["phone"] or seen["street"])
    [full] = finance("res.partner", "read", [customer], fields)
    assert full["email"].startswith("budget.") and full["phone"] and full["street"]
    # no search oracle, and an explicit export is refused
    assert marketing("res.partner", "search", [("email", "=", full["email"])]) == []
    assert finance("res.partner", "search", [("email", "=", full["email"])]) == [customer]
    with pytest.raises(xmlrpc.client.Fault) as fault:
        marketing("res.partner", "export_data", [customer], ["email"])
    assert "clearance" in fault.value.faultString


def test_web_export_neutralises_formula_looking_text(odoo_server, admin, world):
    """A customer named =HYPERLINK(...) is text in Odoo's own list export,
    flat or grouped, never a live formula."""
    evil = '=HYPERLINK("http://evil.example", "Click")'
    partner = admin(
        "res.partner",
        "create",
        {"name": evil, "is_retail_customer": True, "retail_branch_id": world["branches"][0]},
    )
    _client, login = _staff(odoo_server, admin, world, "formula")
    session, csrf = _web_session(odoo_server, login)
    for groupby in ((), ("retail_branch_id",)):
        response = _export_xlsx(
            odoo_server, session, csrf, world, [("id", "=", partner)], groupby=groupby
        )
        assert response.status_code == 200, response.text[:500]
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        cells = [cell for row in sheet.iter_rows() for cell in row if cell.value]
        names = [cell for cell in cells if "HYPERLINK" in str(cell.value)]
        assert names and all(cell.data_type == "s" for cell in names), names
        assert all(str(cell.value).startswith("'=") for cell in names)
    response = _export_xlsx(
        odoo_server, session, csrf, world, [("id", "=", partner)], fmt="csv", groupby=()
    )
    assert response.status_code == 200
    assert "'=HYPERLINK" in response.text
