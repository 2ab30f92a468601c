"""Regression tests of issue 14 over a real server: the integration API
(findings 4, 7 and 8) and the public review route.

- a branch-limited integration user's customers, orders and notice
  acknowledgements always get a branch (or the call is refused);
- an order reference is unique per company, whoever sends it;
- "unknown" and "not yours" give the same answer (no existence oracle);
- NaN, infinities, overflows, over-long strings, wrong types, absurd dates
  and unknown keys get a ValidationError naming the field, never a
  traceback;
- /jewellery/review/<id>: 404 for unknown ids and wrong tokens alike,
  capped comment and body, token guesses rate-limited per address and review.
"""

import re
import statistics
import threading
import time
import uuid
import xmlrpc.client

import psycopg2
import pytest
import requests
from conftest import pg_scalar

FAULT_VALIDATION, FAULT_ACCESS, FAULT_TRACEBACK = 2, 4, 1


@pytest.fixture(scope="module")
def env(odoo_server, admin):
    tag = uuid.uuid4().hex[:6]
    ref = lambda module, name: admin("ir.model.data", "check_object_reference", module, name)[1]
    b1 = admin("crm.retail.branch", "create", {"code": f"H1{tag}", "name": f"Hardening 1 {tag}"})
    b2 = admin("crm.retail.branch", "create", {"code": f"H2{tag}", "name": f"Hardening 2 {tag}"})
    integration = ref("crm_retail_compile", "group_integration")
    clients = {}
    for name, allowed, default in (
        ("one", [b1], False),  # one allowed branch, no default
        ("dflt", [b1, b2], b2),  # several, with a default
        ("multi", [b1, b2], False),  # several, no default: must give a code
        ("other", [b2], False),  # another branch's integration
    ):
        login = f"hard.{name}.{tag}"
        admin(
            "res.users",
            "create",
            {
                "name": f"Integration {name} {tag}",
                "login": login,
                "password": login + "-pw",
                "groups_id": [(6, 0, [integration])],
                "retail_branch_ids": [(6, 0, allowed)],
                "retail_branch_id": default,
            },
        )
        clients[name] = odoo_server.client(login, login + "-pw")
        clients[f"{name}_login"] = login
    if not admin("crm.privacy.pics", "search", [("state", "=", "active")], limit=1):
        pics = admin(
            "crm.privacy.pics",
            "create",
            {"name": "PICS", "version": f"h-{tag}", "text_en": "<p>n</p>", "text_zh": "<p>n</p>"},
        )
        admin("crm.privacy.pics", "action_activate", [pics])
    product = admin(
        "product.product",
        "create",
        {"name": f"Jade {tag}", "default_code": f"JADE-{tag}", "list_price": 900},
    )
    return {"tag": tag, "b1": b1, "b2": b2, "product": product, **clients}


def call(client, method, *args, **kwargs):
    return client("crm.retail.api", method, *args, **kwargs)


def fault(client, method, *args, **kwargs):
    with pytest.raises(xmlrpc.client.Fault) as info:
        call(client, method, *args, **kwargs)
    error = info.value
    assert error.faultCode in (FAULT_VALIDATION, FAULT_ACCESS), error.faultString[-2000:]
    assert "Traceback" not in error.faultString
    return error


def branch_of(admin, model, record_id):
    branch = admin(model, "read", [record_id], ["retail_branch_id"])[0]["retail_branch_id"]
    return branch and branch[0]


# ----------------------------------------------------------------------
# Finding 4: customers of a branch-limited integration user get a branch
# ----------------------------------------------------------------------
def test_branch_limited_user_never_creates_customers_without_branch(env, admin):
    tag = env["tag"]
    created = call(env["one"], "customer_upsert", {"email": f"one.{tag}@example.com"})
    assert branch_of(admin, "res.partner", created["id"]) == env["b1"], "its only branch"
    created = call(env["dflt"], "customer_upsert", {"email": f"dflt.{tag}@example.com"})
    assert branch_of(admin, "res.partner", created["id"]) == env["b2"], "its default branch"
    error = fault(env["multi"], "customer_upsert", {"email": f"multi.{tag}@example.com"})
    assert "branch code" in error.faultString and f"H1{tag}" in error.faultString
    # an explicit empty code is no way round it
    fault(env["multi"], "customer_upsert", {"email": f"multi.{tag}@example.com", "branch": ""})
    created = call(
        env["multi"], "customer_upsert", {"email": f"multi.{tag}@example.com", "branch": f"H2{tag}"}
    )
    assert branch_of(admin, "res.partner", created["id"]) == env["b2"]
    # per record: only the new customers without a code fail
    batch = call(
        env["multi"],
        "customer_upsert_batch",
        [
            {"email": f"multi.{tag}@example.com", "name": "Known: an update"},
            {"email": f"multi2.{tag}@example.com"},
            {"email": f"multi3.{tag}@example.com", "branch": f"H1{tag}"},
        ],
        mode="per_record",
    )
    assert [r["ok"] for r in batch["results"]] == [True, False, True]
    assert "branch code" in batch["results"][1]["error"]
    fault(env["multi"], "customer_upsert_batch", [{"email": f"multi4.{tag}@example.com"}])
    assert not admin(
        "res.partner",
        "search_count",
        [("email", "like", f"%.{tag}@example.com"), ("retail_branch_id", "=", False)],
    ), "a customer without a branch"


def test_branch_limited_user_orders_get_a_branch(env, admin):
    tag = env["tag"]
    customer = call(
        env["multi"], "customer_upsert", {"email": f"buyer.{tag}@example.com", "branch": f"H1{tag}"}
    )
    order = {
        "external_ref": f"BR-{tag}",
        "customer": customer["id"],
        "lines": [{"product": f"JADE-{tag}", "qty": 1, "price_unit": 900}],
    }
    recorded = call(env["multi"], "order_record", order)
    assert branch_of(admin, "sale.order", recorded["id"]) == env["b1"], "the customer's branch"
    recorded = call(env["dflt"], "order_record", dict(order, external_ref=f"BR2-{tag}"))
    assert branch_of(admin, "sale.order", recorded["id"]) == env["b2"], "its default branch"
    # the collection notice acknowledged through the API: the customer's branch
    call(
        env["multi"],
        "consent_record",
        [{"customer": customer["id"], "purpose": "promotions", "channel": "email"}],
    )
    acks = admin(
        "crm.privacy.pics.acknowledgement",
        "search_read",
        [("partner_id", "=", customer["id"])],
        fields=["retail_branch_id"],
    )
    assert acks and all(a["retail_branch_id"][0] == env["b1"] for a in acks)


# ----------------------------------------------------------------------
# Finding 8: order references are unique per company
# ----------------------------------------------------------------------
def test_same_external_ref_from_two_integration_users_is_one_order(odoo_server, env, admin):
    tag = env["tag"]
    b1_customer = call(env["one"], "customer_upsert", {"email": f"ref1.{tag}@example.com"})
    b2_customer = call(env["other"], "customer_upsert", {"email": f"ref2.{tag}@example.com"})
    order = {
        "external_ref": f"POS-{tag}",
        "customer": b1_customer["id"],
        "lines": [{"product": f"JADE-{tag}", "qty": 2}],
    }
    first = call(env["one"], "order_record", order)
    assert first["created"]
    # resent: the first order, as for a retry (whatever the payload, as before)
    again = call(env["one"], "order_record", dict(order, lines=[{"product": f"JADE-{tag}"}]))
    assert (again["id"], again["created"]) == (first["id"], False)
    # other integration users (who may not read that order) cannot record a
    # second order with the reference, nor learn anything of the first
    for name in ("other", "dflt"):
        error = fault(env[name], "order_record", dict(order, customer=b2_customer["id"]))
        assert error.faultString == (
            f"The external reference POS-{tag} is already used by another order."
        )
    assert admin("sale.order", "search_count", [("client_order_ref", "=", f"POS-{tag}")]) == 1
    # parallel calls of two users with a new reference: one order
    parallel = dict(order, external_ref=f"PAR-{tag}", customer={"email": f"ref1.{tag}@example.com"})
    results, errors = [], []

    def send(name):
        try:
            login = env[f"{name}_login"]
            client = odoo_server.client(login, login + "-pw")  # a connection of its own
            results.append((name, call(client, "order_record", parallel)["id"]))
        except xmlrpc.client.Fault as error:
            errors.append((name, error.faultCode, error.faultString))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append((name, None, repr(error)))

    threads = [threading.Thread(target=send, args=(n,)) for n in ("one", "multi") * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert admin("sale.order", "search_count", [("client_order_ref", "=", f"PAR-{tag}")]) == 1
    # the first wins; the others get it back (its owner) or a clear refusal
    assert len(results) + len(errors) == 8 and len({order_id for _n, order_id in results}) == 1
    assert all(code == FAULT_VALIDATION and "already used" in text for _n, code, text in errors), (
        errors
    )
    # the database guarantees it: a unique index per company
    assert pg_scalar(
        admin.server.db,
        "SELECT indisunique FROM pg_index "
        "WHERE indexrelid = 'sale_order_crm_api_ref_idx'::regclass",
    )


# ----------------------------------------------------------------------
# Finding 8: no existence oracle
# ----------------------------------------------------------------------
def test_unknown_and_other_branch_customers_get_the_same_answer(env, admin):
    tag, one = env["tag"], env["one"]
    number = f"M{int(tag, 16) % 10**7:07d}"
    hidden = admin(
        "res.partner",
        "create",
        {
            "name": "Mong Kok only",
            "is_retail_customer": True,
            "retail_branch_id": env["b2"],
            "email": f"hidden.{tag}@example.com",
            "phone": f"+852 6{int(tag, 16) % 10**7:07d}",
            "membership_number": number,
        },
    )
    phone = f"6{int(tag, 16) % 10**7:07d}"
    cases = [
        ({"email": f"hidden.{tag}@example.com"}, {"email": f"nobody.{tag}@example.com"}),
        ({"phone": phone}, {"phone": phone[:-1] + str((int(phone[-1]) + 1) % 10)}),
        ({"membership_number": number}, {"membership_number": f"X{number}"}),
        (hidden, 2_000_000_000),
    ]
    for existing, missing in cases:
        seen = fault(one, "customer_summary", existing)
        unseen = fault(one, "customer_summary", missing)
        assert seen.faultCode == unseen.faultCode
        strip = lambda text, ref: text.replace(str(ref)[:100], "<ref>")
        assert strip(seen.faultString, existing) == strip(unseen.faultString, missing)
        assert seen.faultString.startswith("Unknown customer")
    # the same for a customer given to the other methods
    activity = {"customer": {"email": f"hidden.{tag}@example.com"}, "kind": "visit"}
    for method, payload in (
        ("online_activity_record", [activity]),
        ("order_record", {"external_ref": f"O-{tag}", "customer": hidden, "lines": [{}]}),
        ("consent_record", [{"customer": hidden, "channel": "email", "kind": "opt_out"}]),
    ):
        assert fault(one, method, payload).faultString.startswith("Unknown customer")
    # timing: one query either way, no measurable difference
    timings = {"hidden": [], "unknown": []}
    for _i in range(15):
        for kind, ref in (
            ("hidden", {"email": f"hidden.{tag}@example.com"}),
            ("unknown", {"email": f"nobody.{tag}@example.com"}),
        ):
            start = time.perf_counter()
            with pytest.raises(xmlrpc.client.Fault):
                call(one, "customer_summary", ref)
            timings[kind].append(time.perf_counter() - start)
    hidden_ms = statistics.median(timings["hidden"]) * 1000
    unknown_ms = statistics.median(timings["unknown"]) * 1000
    print(f"customer_summary fault, median: hidden {hidden_ms:.1f} ms, unknown {unknown_ms:.1f} ms")
    assert hidden_ms < 2 * unknown_ms + 20 and unknown_ms < 2 * hidden_ms + 20
    # an upsert neither: another branch's customer is new to this one
    for email in (f"hidden.{tag}@example.com", f"nobody.{tag}@example.com"):
        result = call(one, "customer_upsert", {"email": email, "name": "Walk-in"})
        assert result["created"] and result["id"] != hidden
    assert admin("res.partner", "read", [hidden], ["name"])[0]["name"] == "Mong Kok only"


# ----------------------------------------------------------------------
# Finding 7: bad values get a ValidationError naming the field
# ----------------------------------------------------------------------
def _order(env, **line):
    return {
        "external_ref": f"BAD-{uuid.uuid4().hex[:8]}",
        "customer": {"email": f"one.{env['tag']}@example.com"},
        "lines": [{"product": f"JADE-{env['tag']}", **line}],
    }


def test_non_finite_and_overflowing_numbers(env, admin):
    one = env["one"]
    before = admin("sale.order", "search_count", [("client_order_ref", "like", "BAD-%")])
    # what xmlrpc.client sends for them: <double>nan</double>, <double>inf</double>
    assert "<double>nan</double>" in xmlrpc.client.dumps((float("nan"),))
    for key in ("qty", "price_unit", "discount"):
        for value in (float("nan"), float("inf"), float("-inf"), 1e300 * 1e300, 1e16):
            error = fault(one, "order_record", _order(env, **{key: value}))
            assert error.faultCode == FAULT_VALIDATION
            assert f"'{key}'" in error.faultString, (key, value, error.faultString)
    # a value a client writes by hand: 1e400 parses as infinity on the server
    body = _raw_order_record(env, "<double>1e400</double>")
    assert "'qty' must be a finite number" in body and "Traceback" not in body
    assert admin("sale.order", "search_count", [("client_order_ref", "like", "BAD-%")]) == before


def _raw_order_record(env, qty_xml):
    one = env["one"]
    payload = xmlrpc.client.dumps(
        (
            one.server.db,
            one.uid,
            one.password,
            "crm.retail.api",
            "order_record",
            [_order(env, qty=123456.0)],
        ),
        "execute_kw",
    ).replace("<double>123456.0</double>", qty_xml)
    response = requests.post(
        f"{one.server.url}/xmlrpc/2/object",
        data=payload.encode(),
        headers={"Content-Type": "text/xml"},
        timeout=60,
    )
    return response.text


def test_over_long_strings_wrong_types_and_absurd_dates(env):
    one, tag = env["one"], env["tag"]
    customer = {"email": f"one.{tag}@example.com"}
    cases = [
        (
            "consent_record",
            [[{"customer": customer, "channel": "email", "source": "x" * 300}]],
            "source",
        ),
        (
            "consent_record",
            [[{"customer": customer, "channel": "email", "evidence": "e" * 2001}]],
            "evidence",
        ),
        ("consent_record", [[{"customer": customer, "channel": "email", "use": {"a": 1}}]], "use"),
        ("report_run", ["finance_profit_segment", None, None, [1, {"a": 1}]], "branch_codes"),
        ("report_run", [{"a": 1}], "template_code"),
        ("report_run", ["finance_profit_segment", "0001-01-01"], "date_from"),
        ("report_run", ["finance_profit_segment", None, "9999-12-31"], "date_to"),
        ("order_record", [dict(_order(env), date="0001-01-01T00:00:00")], "date"),
        ("order_record", [dict(_order(env), date="9999-12-31T23:59:59")], "date"),
        ("order_record", [dict(_order(env), external_ref="R" * 65)], "external_ref"),
        ("order_record", [dict(_order(env), external_ref={"a": 1})], "external_ref"),
        ("order_record", [dict(_order(env), confirm=1)], "confirm"),
        ("order_record", [_order(env, qty=True)], "qty"),
        ("order_record", [_order(env, product={"a": 1})], "product"),
        (
            "online_activity_record",
            [[{"customer": customer, "kind": "visit", "date": "0001-01-01"}]],
            "date",
        ),
        ("online_activity_record", [[{"customer": customer, "kind": ["visit"]}]], "kind"),
        ("customer_upsert", [{"email": f"one.{tag}@example.com", "name": "n" * 300}], "name"),
        (
            "customer_upsert",
            [{"email": f"one.{tag}@example.com", "birthday_year": 1}],
            "birthday_year",
        ),
        (
            "customer_upsert",
            [{"email": f"one.{tag}@example.com", "birthday_day": True}],
            "birthday_day",
        ),
        (
            "customer_upsert",
            [{"email": f"one.{tag}@example.com", "last_online_visit": "9999-01-01"}],
            "last_online_visit",
        ),
        ("report_fetch", [1, {"a": 1}], "fmt"),
    ]
    for method, args, field in cases:
        error = fault(one, method, *args)
        assert field in error.faultString, (method, field, error.faultString[:300])


def test_unknown_keys_and_arguments_are_refused(env):
    one, tag = env["one"], env["tag"]
    customer = {"email": f"one.{tag}@example.com"}
    cases = [
        (
            "order_record",
            [dict(_order(env), shoe=1)],
            "allowed: branch, channel, confirm, customer",
        ),
        ("order_record", [_order(env, tax=5)], "allowed: discount, price_unit, product, qty"),
        ("consent_record", [[{"customer": customer, "channel": "sms", "x": 1}]], "allowed:"),
        ("online_activity_record", [[{"customer": customer, "kind": "visit", "x": 1}]], "allowed:"),
        ("customer_upsert", [{"email": f"x.{tag}@example.com", "hkid_number": "A1"}], "allowed:"),
        ("customer_summary", [{"email": f"one.{tag}@example.com", "name": "x"}], "allowed:"),
    ]
    for method, args, text in cases:
        error = fault(one, method, *args)
        assert text in error.faultString, (method, error.faultString[:300])
    error = fault(one, "order_record", _order(env), surprise=1)
    assert "order_record takes the arguments: order, idempotency_key" in error.faultString
    error = fault(one, "customer_summary", 1, 2, 3)
    assert "takes the arguments" in error.faultString


WEIRD = [
    None,
    True,
    0,
    -1,
    1.5,
    float("nan"),
    float("inf"),
    "",
    "x" * 100_000,
    # (a NUL character cannot be sent: XML 1.0 has none, Odoo's XML parser
    # refuses the request before any method runs)
    [],
    {},
    [None],
    [{"a": {"b": [1]}}],
    {"a": [1, {"b": None}]},
    [1, {"a": 1}],
]
SIGNATURES = {
    "customer_upsert": 2,
    "customer_upsert_batch": 3,
    "customer_summary": 1,
    "online_activity_record": 2,
    "order_record": 2,
    "consent_record": 2,
    "report_run": 4,
    "report_fetch": 2,
}


def test_no_method_answers_a_traceback(env):
    """Every public method, every argument, a sweep of odd values: each call
    succeeds or gets a ValidationError/AccessError, never a traceback."""
    one = env["one"]
    calls = 0
    for method, arity in SIGNATURES.items():
        for position in range(arity):
            for value in WEIRD:
                args = [None] * arity
                args[position] = value
                try:
                    call(one, method, *args)
                except xmlrpc.client.Fault as error:
                    assert error.faultCode in (FAULT_VALIDATION, FAULT_ACCESS), (
                        method,
                        position,
                        repr(value)[:60],
                        error.faultString[-1500:],
                    )
                calls += 1
    print(f"{calls} odd calls, no traceback")


# ----------------------------------------------------------------------
# The public review route
# ----------------------------------------------------------------------
@pytest.fixture
def review(odoo_server, admin, env):
    """A requested review and its token; the failure counters cleared."""
    db = odoo_server.db
    _clear_attempts(db)
    customer = admin(
        "res.partner",
        "create",
        {
            "name": "Reviewer",
            "is_retail_customer": True,
            "email": f"rev.{uuid.uuid4().hex[:6]}@example.com",
        },
    )
    token = str(uuid.uuid4())
    review_id = admin(
        "crm.jewellery.review",
        "create",
        {
            "partner_id": customer,
            "product_id": env["product"],
            "channel": "email",
            "access_token": token,
        },
    )
    yield {
        "id": review_id,
        "token": token,
        "url": f"{odoo_server.url}/jewellery/review/{review_id}",
    }
    _clear_attempts(db)


def _clear_attempts(db):
    conn = psycopg2.connect(dbname=db)
    with conn, conn.cursor() as cr:
        cr.execute("DELETE FROM crm_jewellery_review_attempt")
    conn.close()


def _csrf(session, url, token):
    page = session.get(url, params={"token": token}, timeout=30)
    assert page.status_code == 200, page.status_code
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_review_route_404_for_unknown_ids_and_wrong_tokens(odoo_server, review):
    base = f"{odoo_server.url}/jewellery/review"
    # the right token but for its last character
    near_miss = review["token"][:-1] + ("1" if review["token"].endswith("0") else "0")
    for url, params in (
        (f"{base}/0", {}),
        (f"{base}/0", {"token": review["token"]}),
        (f"{base}/999999999", {"token": review["token"]}),
        (f"{base}/99999999999", {"token": review["token"]}),
        (review["url"], {}),
        (review["url"], {"token": "wrong"}),
        (review["url"], {"token": near_miss}),
        (review["url"], {"token": "é" * 36}),
        (review["url"], {"token": "x" * 5000}),
    ):
        response = requests.get(url, params=params, timeout=30)
        assert response.status_code == 404, (url, params, response.status_code)
    page = requests.get(review["url"], params={"token": review["token"]}, timeout=30)
    assert page.status_code == 200 and "Rate your purchase" in page.text


def test_review_route_caps_the_comment_and_the_body(odoo_server, admin, review):
    session = requests.Session()
    csrf = _csrf(session, review["url"], review["token"])
    form = {"csrf_token": csrf, "token": review["token"], "rating": "4"}
    long = session.post(review["url"], data=dict(form, comment="c" * 2001), timeout=30)
    assert long.status_code == 200 and "at most 2000 characters" in long.text
    huge = session.post(review["url"], data=dict(form, comment="c" * 1_000_000), timeout=30)
    assert huge.status_code == 413
    [state] = admin("crm.jewellery.review", "read", [review["id"]], ["state"])
    assert state["state"] == "requested"
    done = session.post(review["url"], data=dict(form, comment="Lovely " * 100), timeout=30)
    assert done.status_code == 200 and "Thank you for your review" in done.text
    [state] = admin("crm.jewellery.review", "read", [review["id"]], ["state", "rating"])
    assert (state["state"], state["rating"]) == ("received", 4)


def test_review_route_rate_limits_token_guesses(odoo_server, review):
    db = odoo_server.db
    for _i in range(10):
        guess = requests.get(review["url"], params={"token": str(uuid.uuid4())}, timeout=30)
        assert guess.status_code == 404
    # the right token no longer helps: no oracle for the 11th guess
    blocked = requests.get(review["url"], params={"token": review["token"]}, timeout=30)
    assert blocked.status_code == 429
    assert pg_scalar(db, "SELECT count(*) FROM crm_jewellery_review_attempt") == 10
    # per review: guesses from elsewhere block the link for everyone
    _clear_attempts(db)
    _insert_attempts(db, "203.0.113.7", review["id"])
    assert (
        requests.get(review["url"], params={"token": review["token"]}, timeout=30).status_code
        == 429
    )
    # per address: guesses at other reviews block this address
    _clear_attempts(db)
    _insert_attempts(db, "127.0.0.1", 0)
    assert (
        requests.get(review["url"], params={"token": review["token"]}, timeout=30).status_code
        == 429
    )
    _clear_attempts(db)
    assert (
        requests.get(review["url"], params={"token": review["token"]}, timeout=30).status_code
        == 200
    )


def _insert_attempts(db, ip, review_id, count=10):
    conn = psycopg2.connect(dbname=db)
    with conn, conn.cursor() as cr:
        cr.execute(
            "INSERT INTO crm_jewellery_review_attempt (ip, review_id, attempt_date) "
            "SELECT %s, %s, now() AT TIME ZONE 'UTC' FROM generate_series(1, %s)",
            (ip, review_id, count),
        )
    conn.close()
