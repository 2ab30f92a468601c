"""Issue 20 over a running server: the command-line import
(setup/import_customers.py) and the import dialog's calls (base_import over
RPC) match customers like the API, resume after a stop, change nothing when
run again, refuse the wrong role, and the template downloads and maps.
"""

import csv
import io
import re
import subprocess
import sys
import uuid
import xmlrpc.client

import openpyxl
import pytest
from conftest import ROOT, call_kw, new_user, web_session

SCRIPT = ROOT / "setup" / "import_customers.py"


@pytest.fixture(scope="module")
def world(odoo_server, admin):
    tag = uuid.uuid4().hex[:6]
    branch = admin("crm.retail.branch", "create", {"code": f"I{tag}", "name": f"Import {tag}"})
    # unused numbers of this run: 6 then 7 digits from the tag
    base = 60_000_000 + int(tag, 16) % 1_000_000 * 3

    def phone(offset):
        digits = str(base + offset)
        return digits[:4], digits[4:]

    staff_login = f"import.staff.{tag}"
    staff = new_user(
        odoo_server,
        admin,
        staff_login,
        ["crm_retail_compile.group_branch_staff"],
        [branch],
        crm_mfa_exempt=True,
    )
    analyst_login = f"import.analyst.{tag}"
    analyst = new_user(
        odoo_server,
        admin,
        analyst_login,
        ["crm_retail_compile.group_department_analyst"],
        [branch],
        crm_mfa_exempt=True,
    )
    a, b = phone(1)
    existing = staff(
        "res.partner",
        "create",
        {
            "name": f"Existing {tag}",
            "is_retail_customer": True,
            "retail_branch_id": branch,
            "phone": f"+852 {a} {b}",
            "email": f"existing.{tag}@example.com",
        },
    )
    return {
        "tag": tag,
        "branch": branch,
        "phone": phone,
        "staff": staff,
        "staff_login": staff_login,
        "analyst": analyst,
        "analyst_login": analyst_login,
        "existing": existing,
    }


def _rows(world):
    tag, phone = world["tag"], world["phone"]
    rows = [["Name 姓名", "Mobile 手提電話", "E-mail 電郵", "District 地區", "Channel 渠道"]]
    a, b = phone(1)
    rows.append([f"Existing {tag}", f"{a}-{b}", "", "Wan Chai", "In Store"])  # already known
    for i in range(2, 42):
        a, b = phone(i)
        fmt = (f"{a}{b}", f"+852 {a} {b}", f"(852) {a}-{b}", f"852{a}{b}")[i % 4]
        rows.append([f"Customer {tag} {i}", fmt, f"c{i}.{tag}@example.com", "WC", "online"])
    a, b = phone(2)
    rows.append([f"Customer {tag} 2", f"+852{a}{b}", f"C2.{tag}@EXAMPLE.com", "", ""])  # again
    rows.append([f"Bad {tag}", "123", f"bad.{tag}@example.com", "", ""])  # bad phone
    return rows


def _write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _run(odoo_server, path, login, *extra):
    return subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            str(path),
            "--db",
            odoo_server.db,
            "--url",
            odoo_server.url,
            "--login",
            login,
            "--password",
            login + "-pw",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _customers(world):
    return world["staff"](
        "res.partner",
        "search_read",
        [("name", "like", world["tag"]), ("is_retail_customer", "=", True)],
        ["name", "mobile", "phone", "email", "district_id", "retail_branch_id"],
    )


def test_command_line_import_resumes_and_reruns(odoo_server, world, tmp_path):
    path = _write_csv(tmp_path / "customers.csv", _rows(world))
    first = _run(odoo_server, path, world["staff_login"], "--batch", "10", "--stop-after", "2")
    assert first.returncode == 0, first.stderr
    assert "stopped after 2 batches" in first.stderr
    second = _run(odoo_server, path, world["staff_login"], "--batch", "10")
    assert second.returncode == 0, second.stderr
    assert "resuming import" in second.stderr
    assert "rows/s" in second.stdout
    assert "data quality of the imported customers" in second.stdout
    staff = world["staff"]
    record = staff(
        "crm.customer.import",
        "search_read",
        [("name", "=", "customers.csv")],
        [
            "state",
            "rows_read",
            "created_count",
            "updated_count",
            "duplicate_count",
            "rejected_count",
            "error_log",
            "retail_branch_id",
        ],
    )
    assert len(record) == 1, record
    record = record[0]
    assert record["state"] == "done"
    assert (
        record["rows_read"],
        record["created_count"],
        record["updated_count"],
        record["duplicate_count"],
        record["rejected_count"],
    ) == (43, 40, 1, 1, 1)
    assert "Row 44" in record["error_log"] and "123" in record["error_log"]
    customers = _customers(world)
    assert len(customers) == 41, "one customer per person, the bad row not written"
    existing = next(c for c in customers if c["id"] == world["existing"])
    assert existing["email"] == f"existing.{world['tag']}@example.com", "empty cell kept it"
    assert existing["district_id"], "the existing customer was updated"
    assert {c["retail_branch_id"][0] for c in customers} == {world["branch"]}
    # the same file again: nothing new, nothing changed
    third = _run(odoo_server, path, world["staff_login"], "--batch", "10")
    assert third.returncode == 0, third.stderr
    assert "created 0 " in third.stdout
    assert _customers(world) == customers


def test_dialog_import_over_http(odoo_server, world):
    """The calls the web client's import dialog makes, as the clerk."""
    tag, phone = world["tag"], world["phone"]
    a, b = phone(100)
    rows = [
        ["Name 姓名", "Mobile 手提電話", "E-mail 電郵"],
        [f"Dialog {tag}", f"{a} {b}", ""],
        [f"Dialog {tag}", f"+852-{a}-{b}", f"dialog.{tag}@example.com"],
        [f"Dialog Bad {tag}", "", "not-an-email"],
    ]
    data = io.StringIO()
    csv.writer(data).writerows(rows)
    session = web_session(odoo_server, world["staff_login"])
    page = session.get(f"{odoo_server.url}/odoo", timeout=120).text
    csrf = re.search(r'csrf_token: "([0-9a-z]+)"', page).group(1)
    # the customer list's action context
    context = {"default_is_retail_customer": True, "default_is_company": False}
    options = {"has_headers": True, "quoting": '"', "separator": ",", "encoding": "utf-8"}

    def run_once():
        wizard = call_kw(
            odoo_server,
            session,
            "base_import.import",
            "create",
            [{"res_model": "res.partner"}],
            {"context": context},
        )
        upload = session.post(
            f"{odoo_server.url}/base_import/set_file",
            data={"id": str(wizard), "csrf_token": csrf},
            files={"ufile": ("dialog.csv", data.getvalue().encode(), "text/csv")},
            timeout=120,
        )
        assert upload.status_code == 200, upload.text
        preview = call_kw(
            odoo_server,
            session,
            "base_import.import",
            "parse_preview",
            [wizard, options],
            {"context": context},
        )
        assert not preview.get("error"), preview
        matches = preview["matches"]
        fields = [(matches.get(str(i)) or matches.get(i))[0] for i in range(3)]
        assert fields == ["name", "mobile", "email"], matches
        return call_kw(
            odoo_server,
            session,
            "base_import.import",
            "execute_import",
            [wizard, fields, rows[0], options],
            {"context": context},
        )

    result = run_once()
    errors = [m for m in result["messages"] if m["type"] == "error"]
    assert len(errors) == 1 and errors[0]["record"] == 4, result["messages"]
    assert "email" in errors[0]["message"]
    dialog = [c for c in _customers(world) if c["name"].startswith("Dialog")]
    assert len(dialog) == 1 and dialog[0]["email"] == f"dialog.{tag}@example.com"
    assert dialog[0]["mobile"] == f"+852 {a} {b}"
    again = run_once()
    assert len([m for m in again["messages"] if m["type"] == "error"]) == 1
    assert [c for c in _customers(world) if c["name"].startswith("Dialog")] == dialog
    imports = world["staff"](
        "crm.customer.import",
        "search_read",
        [("name", "=", "dialog.csv")],
        ["created_count", "updated_count", "duplicate_count", "rejected_count", "source"],
        order="id",
    )
    assert [
        (i["created_count"], i["updated_count"], i["duplicate_count"], i["rejected_count"])
        for i in imports
    ] == [(1, 0, 1, 1), (0, 1, 1, 1)]
    assert {i["source"] for i in imports} == {"dialog"}


def test_wrong_role_refused(odoo_server, world, tmp_path):
    path = _write_csv(tmp_path / "analyst.csv", _rows(world)[:3])
    run = _run(odoo_server, path, world["analyst_login"])
    assert run.returncode == 2
    assert "Importing customers needs" in run.stderr
    with pytest.raises(xmlrpc.client.Fault) as caught:
        world["analyst"]("crm.customer.import", "command_start", "x.csv", "ab" * 32, 1)
    assert "Importing customers needs" in caught.value.faultString
    # a client cannot write an import's counts
    with pytest.raises(xmlrpc.client.Fault):
        world["staff"]("crm.customer.import", "create", {"created_count": 5})


def test_template_download(odoo_server, world):
    url = f"{odoo_server.url}/crm_retail_compile/customer_import_template"
    response = web_session(odoo_server, world["staff_login"]).get(url, timeout=120)
    assert response.status_code == 200
    assert "spreadsheetml" in response.headers["Content-Type"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    headers = [cell.value for cell in book.worksheets[0][1]]
    assert "Mobile 手提電話" in headers and "District 地區" in headers
    allowed = [row[0] for row in book.worksheets[1].iter_rows(values_only=True) if row[0]]
    assert any("中西區" in str(value) for value in allowed)
    refused = web_session(odoo_server, world["analyst_login"]).get(url, timeout=120)
    assert refused.status_code == 404
