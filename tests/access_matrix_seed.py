"""What a day's trade leaves in each branch, for the access matrix.

The test database holds the add-ons' demo records only: no invoices,
deliveries, stock moves or payments, so the matrix would find no sample of
those models and test none of their cells. Before the matrix samples, admin
runs one sale through Odoo's own flow in every branch over XML-RPC, as a
shop would: a customer, a confirmed order of a storable product (delivery
and stock moves), the delivery validated (move lines, quants), the invoice
created from the order and posted, and its payment registered
(reconciliation), a consent, an online product view; then the suite's own
buttons record the sales events and profit, a data-quality scan raises
issues, and the customer analytics derive the online preferences. Records
are tagged, never deleted (posted accounting is kept), and one per branch.
"""

import time

from access_matrix_lib import brief, call


def _step(notes, label, client, model, method, *args, **kwargs):
    ok, res = call(client, model, method, *args, **kwargs)
    if not ok:
        notes.append(f"seed {label}: {brief(res)}")
        return None
    return res


def _wait_jobs(notes, admin, methods, timeout=300):
    """Wait until the queue jobs of ``methods`` have run (done or failed)."""
    deadline = time.monotonic() + timeout
    domain = [("method_name", "in", methods), ("state", "not in", ["done", "failed", "cancelled"])]
    while admin("queue.job", "search_count", domain):
        if time.monotonic() > deadline:
            notes.append(f"seed: jobs {methods} still waiting after {timeout} s")
            return
        time.sleep(0.5)
    failed = admin(
        "queue.job", "search_count", [("method_name", "in", methods), ("state", "=", "failed")]
    )
    if failed:
        notes.append(f"seed: {failed} jobs of {methods} failed")


def seed_branch_trade(admin, tag):
    """One sale, delivered, invoiced and paid, in every branch; returns notes
    on what could not be made (the matrix prints them)."""
    notes = []
    product = _step(
        notes,
        "product",
        admin,
        "product.product",
        "create",
        {
            "name": f"{tag} 18K gold ring",
            "type": "consu",
            "is_storable": True,
            "list_price": 1000.0,
            "standard_price": 400.0,
        },
    )
    if not product:
        return notes
    branches = admin("crm.retail.branch", "search_read", [], ["code"], order="id")
    for branch in branches:
        code = branch["code"]
        partner = _step(
            notes,
            f"customer {code}",
            admin,
            "res.partner",
            "create",
            {
                "name": f"{tag} {code} customer",
                "email": f"{tag.lower()}.{code.lower()}@example.com",
                "is_retail_customer": True,
                "retail_branch_id": branch["id"],
            },
        )
        if not partner:
            continue
        order = _step(
            notes,
            f"order {code}",
            admin,
            "sale.order",
            "create",
            {
                "partner_id": partner,
                "retail_branch_id": branch["id"],
                "user_id": False,  # unassigned: no salesperson rule hides it
                "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 1})],
            },
        )
        if (
            not order
            or _step(notes, f"confirm {code}", admin, "sale.order", "action_confirm", [order])
            is None
        ):
            continue
        _deliver(notes, admin, order, code)
        _invoice_and_pay(notes, admin, order, code)
        _consent(notes, admin, partner, code)
        _step(
            notes,
            f"online activity {code}",
            admin,
            "crm.online.activity",
            "create",
            {
                "partner_id": partner,
                "kind": "product_view",
                "product_id": product,
                "activity_date": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
            },
        )
    # the suite's own buttons: events and profit, data-quality issues
    _step(notes, "sales events", admin, "crm.sales.event", "action_backfill")
    _step(notes, "data-quality scan", admin, "crm.dq.scan", "action_run_scan", [])
    # the nightly analytics: online preferences from the online activity
    _step(notes, "customer analytics", admin, "res.partner", "action_refresh_customer_analytics")
    # the backfill and the analytics are queue jobs: the server's runner
    # runs them; wait for them before sampling
    _wait_jobs(notes, admin, ["_job_backfill", "_job_customer_analytics"])
    # each branch's customer is asked for their missing district
    customers = admin("res.partner", "search", [("name", "=like", f"{tag} % customer")])
    _step(notes, "data requests", admin, "res.partner", "action_ask_customer", customers)
    return notes


def _consent(notes, admin, partner, code):
    """The collection notice given at the counter, and an e-mail consent."""
    pics = admin("crm.privacy.pics", "search", [("state", "=", "active")], limit=1)
    purposes = admin("crm.privacy.marketing.purpose", "search", [], limit=1)
    if not (pics and purposes):
        notes.append(f"seed consent {code}: no active notice or purpose")
        return
    _step(
        notes,
        f"notice {code}",
        admin,
        "crm.privacy.pics.acknowledgement",
        "create",
        {"partner_id": partner, "pics_id": pics[0], "channel": "store"},
    )
    _step(
        notes,
        f"consent {code}",
        admin,
        "crm.privacy.consent",
        "create",
        {
            "partner_id": partner,
            "purpose_id": purposes[0],
            "pics_id": pics[0],
            "channel": "email",
            "source": "form",
        },
    )


def _deliver(notes, admin, order, code):
    pickings = admin("sale.order", "read", [order], ["picking_ids"])[0]["picking_ids"]
    if not pickings:
        notes.append(f"seed delivery {code}: no picking")
        return
    moves = admin("stock.move", "search", [("picking_id", "in", pickings)])
    _step(
        notes,
        f"delivered qty {code}",
        admin,
        "stock.move",
        "write",
        moves,
        {"quantity": 1, "picked": True},
    )
    _step(notes, f"validate {code}", admin, "stock.picking", "button_validate", pickings)


def _invoice_and_pay(notes, admin, order, code):
    context = {"active_model": "sale.order", "active_ids": [order], "active_id": order}
    wizard = _step(
        notes,
        f"invoice wizard {code}",
        admin,
        "sale.advance.payment.inv",
        "create",
        {"advance_payment_method": "delivered"},
        context=context,
    )
    if not wizard:
        return
    # its answer (an action) does not marshal over XML-RPC: the invoice is
    # made all the same
    call(admin, "sale.advance.payment.inv", "create_invoices", [wizard], context=context)
    invoices = admin("sale.order", "read", [order], ["invoice_ids"])[0]["invoice_ids"]
    if (
        not invoices
        or _step(notes, f"post {code}", admin, "account.move", "action_post", invoices) is None
    ):
        return
    context = {"active_model": "account.move", "active_ids": invoices}
    payment = _step(
        notes,
        f"payment wizard {code}",
        admin,
        "account.payment.register",
        "create",
        {},
        context=context,
    )
    if payment:
        _step(
            notes,
            f"payment {code}",
            admin,
            "account.payment.register",
            "action_create_payments",
            [payment],
            context=context,
        )
