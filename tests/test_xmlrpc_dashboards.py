"""Over XML-RPC, against a running server: department dashboards are shown
to their department only; another department's dashboard is refused with an
AccessError, never a traceback; its figures follow the branch rules."""

import json
import subprocess
import sys
import uuid
import xmlrpc.client

import pytest
from conftest import ROOT, new_user, ref

ANALYST = "crm_retail_compile.group_department_analyst"
RETAIL_GROUP = "crm_retail_compile.spreadsheet_dashboard_group_retail_crm"


@pytest.fixture(scope="module")
def world(odoo_server, admin):
    tag = uuid.uuid4().hex[:6]
    branch = admin("crm.retail.branch", "create", {"code": f"D{tag}", "name": f"Dash {tag}"})
    finance = new_user(
        odoo_server,
        admin,
        f"rpc.dash.finance.{tag}",
        [ANALYST],
        [branch],
        retail_department_id=ref(admin, "crm_retail_compile.department_finance"),
    )
    nodept = new_user(odoo_server, admin, f"rpc.dash.nodept.{tag}", [ANALYST], [branch])
    return {
        "finance": finance,
        "nodept": nodept,
        "branch": branch,
        "group": ref(admin, RETAIL_GROUP),
        "sales": ref(admin, "crm_retail_compile.spreadsheet_dashboard_sales"),
        "finance_dashboard": ref(admin, "crm_retail_compile.spreadsheet_dashboard_finance"),
    }


def _visible(client, world):
    rows = client(
        "spreadsheet.dashboard",
        "search_read",
        [("dashboard_group_id", "=", world["group"])],
        fields=["name"],
    )
    return {r["id"] for r in rows}


def test_analyst_finds_only_its_department_dashboard(world):
    assert _visible(world["finance"], world) == {world["finance_dashboard"]}
    assert _visible(world["nodept"], world) == set()


def test_other_department_dashboard_refused(world):
    for method, args in (
        ("read", [[world["sales"]], ["name", "spreadsheet_data"]]),
        ("get_readonly_dashboard", [[world["sales"]]]),
    ):
        with pytest.raises(xmlrpc.client.Fault) as fault:
            world["finance"]("spreadsheet.dashboard", method, *args)
        # 4: Odoo's XML-RPC fault code of an AccessError (no traceback)
        assert fault.value.faultCode == 4, (method, fault.value.faultString[:200])


def test_own_dashboard_opens_and_its_pivot_follows_branch_rules(world):
    client = world["finance"]
    # (get_readonly_dashboard's snapshot holds JSON nulls, which XML-RPC
    # cannot marshal: the web client calls it over JSON-RPC)
    [row] = client(
        "spreadsheet.dashboard", "read", [world["finance_dashboard"]], ["spreadsheet_data"]
    )
    data = json.loads(row["spreadsheet_data"])
    pivot = next(
        p
        for p in data["pivots"].values()
        if [r["fieldName"] for r in p["rows"]] == ["retail_branch_id"]
    )
    groups = client(
        pivot["model"],
        "read_group",
        pivot["domain"],
        [m["id"] for m in pivot["measures"] if m["id"] != "__count"],
        ["retail_branch_id"],
        lazy=False,
    )
    branches = {g["retail_branch_id"][0] for g in groups if g["retail_branch_id"]}
    assert branches <= {world["branch"]}


def test_dashboard_json_matches_its_generator():
    """The shipped JSON files are what setup/gen_dashboards.py writes."""
    script = ROOT / "setup" / "gen_dashboards.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
