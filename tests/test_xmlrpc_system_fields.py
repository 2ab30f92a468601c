"""Over XML-RPC and HTTP, against a running server (issue 14, finding 3):
a report run's outputs, template and department are the system's, and a
download checks the run's template, department and branches again."""

import uuid
import xmlrpc.client

import pytest
from conftest import web_login


@pytest.fixture(scope="module")
def world(odoo_server, admin):
    tag = uuid.uuid4().hex[:6]
    ref = lambda module, name: admin("ir.model.data", "check_object_reference", module, name)[1]
    branch_1 = admin("crm.retail.branch", "create", {"code": f"S1{tag}", "name": f"Sys 1 {tag}"})
    branch_2 = admin("crm.retail.branch", "create", {"code": f"S2{tag}", "name": f"Sys 2 {tag}"})
    analyst_group = ref("crm_retail_compile", "group_department_analyst")
    marketing = ref("crm_retail_compile", "department_marketing")
    finance = ref("crm_retail_compile", "department_finance")

    def user(name, department, branches):
        login = f"sys.{name}.{tag}"
        password = f"Pw-{tag}-{name}-9x!"
        admin(
            "res.users",
            "create",
            {
                "name": f"Sys {name} {tag}",
                "login": login,
                "password": password,
                "groups_id": [(6, 0, [analyst_group])],
                "retail_department_id": department,
                "retail_branch_ids": [(6, 0, branches)],
            },
        )
        return login, password, odoo_server.client(login, password)

    templates = {
        code: admin(
            "crm.report.template",
            "read",
            [ref("crm_retail_compile", f"crm_report_template_{code}")],
            ["code", "retail_department_id"],
        )[0]
        for code in ("marketing_segments", "finance_profit_segment")
    }
    world = {
        "tag": tag,
        "codes": (f"S1{tag}", f"S2{tag}"),
        "templates": templates,
        "finance": finance,
        "marketing": marketing,
        # a marketing analyst of branch 1 only, one of both branches, and a
        # finance analyst of both
        "mkt_1": user("mkt1", marketing, [branch_1]),
        "mkt_12": user("mkt12", marketing, [branch_1, branch_2]),
        "fin_12": user("fin12", finance, [branch_1, branch_2]),
    }
    return world


def call(client, method, *args):
    return client("crm.retail.api", method, *args)


def fault(func, *args, **kwargs):
    with pytest.raises(xmlrpc.client.Fault) as info:
        func(*args, **kwargs)
    return info.value.faultString


def run_report(client, world, code, branch_codes=None):
    result = call(client, "report_run", world["templates"][code]["code"], None, None, branch_codes)
    assert result["state"] == "done", result
    return result["run_id"]


def web_session(server, login, password):
    session, answer = web_login(server, login, password)
    if not (answer.get("result") or {}).get("uid"):
        pytest.skip("this web login asks for a second factor")
    return session


def download(server, session, run_id, fmt):
    return session.get(
        f"{server.url}/crm_retail_compile/report/{run_id}/{fmt}", timeout=120, allow_redirects=False
    )


def test_outputs_cannot_be_repointed_to_another_file(world, admin):
    _login, _pw, mkt = world["mkt_12"]
    _login, _pw, fin = world["fin_12"]
    own = run_report(mkt, world, "marketing_segments")
    finance_run = run_report(fin, world, "finance_profit_segment")
    # files are rendered on their first download
    call(fin, "report_fetch", finance_run, "xlsx")
    call(mkt, "report_fetch", own, "xlsx")
    [finance] = admin(
        "crm.report.run",
        "read",
        [finance_run],
        ["xlsx_attachment_id", "pdf_attachment_id", "csv_attachment_id"],
    )
    target = finance["xlsx_attachment_id"][0]
    # a breach-register evidence file, say: any attachment of the database
    evidence = admin(
        "ir.attachment",
        "create",
        {"name": f"evidence-{world['tag']}.txt", "raw": "secret", "mimetype": "text/plain"},
    )
    for fname in ("xlsx_attachment_id", "pdf_attachment_id", "csv_attachment_id"):
        for attachment in (target, evidence):
            message = fault(mkt, "crm.report.run", "write", [own], {fname: attachment})
            assert "AccessError" in message or "set by the system" in message, message
    [after] = admin("crm.report.run", "read", [own], ["xlsx_attachment_id", "state"])
    assert after["xlsx_attachment_id"] and after["xlsx_attachment_id"][0] != target
    # the run's own file still downloads
    data = call(mkt, "report_fetch", own, "xlsx")
    assert data["name"].endswith(".xlsx")


def test_runs_cannot_be_created_or_repointed_to_another_department(world):
    _login, _pw, mkt = world["mkt_12"]
    finance_template = world["templates"]["finance_profit_segment"]
    message = fault(
        mkt,
        "crm.report.run",
        "create",
        {
            "name": "forged",
            "template_id": finance_template["id"],
            "retail_department_id": world["marketing"],
        },
    )
    assert "AccessError" in message or "created by running" in message, message
    own = run_report(mkt, world, "marketing_segments")
    for vals in (
        {"template_id": finance_template["id"]},
        {"retail_department_id": world["finance"]},
    ):
        message = fault(mkt, "crm.report.run", "write", [own], vals)
        assert "AccessError" in message or "set by the system" in message, message
    # the API refuses another department's template (same answer as unknown)
    message = fault(call, mkt, "report_run", finance_template["code"])
    assert "Unknown report template" in message, message


def test_download_of_another_department_is_refused(odoo_server, world):
    login, password, mkt = world["mkt_12"]
    _login, _pw, fin = world["fin_12"]
    finance_run = run_report(fin, world, "finance_profit_segment")
    assert fault(call, mkt, "report_fetch", finance_run, "xlsx")
    session = web_session(odoo_server, login, password)
    for fmt in ("xlsx", "pdf", "csv"):
        assert download(odoo_server, session, finance_run, fmt).status_code == 404


def test_download_of_another_branch_is_refused(odoo_server, world):
    login_1, password_1, mkt_1 = world["mkt_1"]
    _login, _pw, mkt_12 = world["mkt_12"]
    code_1, code_2 = world["codes"]
    both = run_report(mkt_12, world, "marketing_segments", [code_1, code_2])
    everywhere = run_report(mkt_12, world, "marketing_segments")
    branch_1 = run_report(mkt_12, world, "marketing_segments", [code_1])
    own = run_report(mkt_1, world, "marketing_segments")
    # same department: the run is visible, its file is not
    assert mkt_1("crm.report.run", "read", [both], ["name"])
    for run_id in (both, everywhere):
        assert fault(call, mkt_1, "report_fetch", run_id, "xlsx")
    assert call(mkt_1, "report_fetch", branch_1, "xlsx")["data"]
    assert call(mkt_1, "report_fetch", own, "xlsx")["data"]
    session = web_session(odoo_server, login_1, password_1)
    for run_id in (both, everywhere):
        for fmt in ("xlsx", "pdf"):
            assert download(odoo_server, session, run_id, fmt).status_code == 404
    response = download(odoo_server, session, own, "xlsx")
    assert response.status_code == 200
    assert response.content[:2] == b"PK"
