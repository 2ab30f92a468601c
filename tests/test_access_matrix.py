"""Issue 14: no path to another branch's data, proved by an access matrix
generated from the running database (see access_matrix_lib.py).

For each branch-scoped demo role, each branch-scoped model and each branch:
own branch: the role can read, search and read_group its sample;
other branch: read, search, read_group, name_search, export, write (of a
text field's own value) and link on create (a record of a model with a
many2one to the sample) are all refused. Over XML-RPC against a real server.
"""

import time
from collections import Counter, defaultdict

import pytest
from access_matrix_lib import OTHER_OPS, OWN_OPS, Matrix
from access_matrix_seed import seed_branch_trade

MARKS = {"ok": "", "LEAK": "!", "DENIED": "x", "nosample": "-", "n/a": "~"}
PROBLEMS = ("LEAK", "DENIED", "LOGIN FAILED")


@pytest.fixture(scope="module")
def matrix(odoo_server):
    admin = odoo_server.client("admin", "admin")
    result = Matrix(odoo_server, admin)
    started = time.monotonic()
    # invoices, deliveries, moves and payments in every branch to sample
    seed_notes = seed_branch_trade(admin, result.tag)
    result.discover()
    result.notes.extend(seed_notes)
    try:
        result.run()
    finally:
        result.cleanup()
    result.seconds = time.monotonic() - started
    return result


def table(rows):
    """One line per role, model and side; per op the outcomes and counts."""
    lines, cells = [], defaultdict(Counter)
    for login, model, side, op, _b, outcome, _d in rows:
        cells[(login, model, side)][(op, outcome)] += 1
    for login, model, side in sorted(cells, key=lambda k: (k[0], k[1], k[2] == "other")):
        parts = []
        for op in OWN_OPS if side == "own" else OTHER_OPS:
            got = {o: n for (p, o), n in cells[(login, model, side)].items() if p == op}
            text = " ".join(f"{MARKS.get(o, o + ':')}{n}" for o, n in sorted(got.items()))
            parts.append(f"{op[:6]}={text or '.'}")
        lines.append(f"{login:18} {model:34} {side:5} " + "  ".join(parts))
    return "\n".join(lines)


def test_access_matrix(matrix, capsys):
    if not matrix.roles:
        pytest.skip("no branch-scoped demo user: database installed without demo data")
    assert matrix.models, "no branch rule found"
    print()
    print(f"roles: {', '.join(r['login'] for r in matrix.roles)}")
    print(f"models: {len(matrix.models)}; branches: {', '.join(matrix.branches.values())}")
    unruled = sorted(m for m, (_p, _d, rule) in matrix.models.items() if not rule)
    if unruled:
        print(f"models with a branch but no branch rule: {', '.join(unruled)}")
    print("(per op: count of ok, ! leaks, x wrongly denied, - without sample, ~ not applicable)")
    print(table(matrix.rows))
    for note in matrix.notes:
        print(note)
    if matrix.leftovers:
        print(f"kept by append-only records, archived: {matrix.leftovers}")
    findings = []
    for login, model, side, op, branch, outcome, detail in matrix.rows:
        if outcome in (*PROBLEMS, "error"):
            code = matrix.branches.get(branch, "all")
            findings.append((outcome, f"{outcome}: {login} {model} {side} {code} {op}: {detail}"))
    print("\n".join(line for _o, line in findings))
    counts = Counter(r[5] for r in matrix.rows)
    tested = sum(n for k, n in counts.items() if k not in ("nosample", "n/a", "LOGIN FAILED"))
    summary = (
        f"access matrix: {tested} cells tested, {counts['LEAK']} leaks, "
        f"{counts['DENIED']} wrongly denied, {counts['nosample']} without sample "
        f"({counts['n/a']} not applicable, {counts['noaccess']} without access right, "
        f"{counts['hidden']} hidden by another rule, {counts['error']} errors) "
        f"over {len(matrix.models)} models and {len(matrix.roles)} roles "
        f"in {matrix.seconds:.0f} s"
    )
    print(summary)
    with capsys.disabled():  # the summary shows in every run's output
        print(f"\n{summary}")
    problems = [line for outcome, line in findings if outcome in PROBLEMS]
    assert not problems, "\n".join(problems)
