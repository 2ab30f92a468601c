"""E-mail and SMS reach a (local) destination, against a running server
(issue 17, "Channels that work" and "Payment reminders"): a payment reminder
sent with Remind Now arrives once in the mail catcher or the fake SMS gateway,
is logged; a customer who withdrew SMS marketing consent still gets service
reminders but no marketing SMS; a failing gateway leaves the SMS in error
with a failure type, never a traceback."""

import datetime
import uuid
import xmlrpc.client

import pytest
from conftest import flush_queues, new_user, ref


@pytest.fixture(scope="module")
def world(odoo_server, admin):
    tag = uuid.uuid4().hex[:6].upper()
    low = tag.lower()
    branch = admin("crm.retail.branch", "create", {"code": f"CH{tag}", "name": f"Channels {tag}"})
    digits = str(int(tag, 16) % 10**6).zfill(6)

    def customer(name, **vals):
        return admin(
            "res.partner",
            "create",
            {
                "name": f"{name} {tag}",
                "is_retail_customer": True,
                "retail_branch_id": branch,
                "preferred_language": "en",
                **vals,
            },
        )

    world = {
        "tag": tag,
        "branch": branch,
        "mail_cust": customer("Mail Customer", email=f"mail.cust.{low}@example.com"),
        "sms_number": f"+852 62{digits}",
        "out_number": f"+852 63{digits}",
        "yes_number": f"+852 64{digits}",
        "bad_number": f"+852 65{digits}",
    }
    world["sms_cust"] = customer(
        "SMS Customer", mobile=world["sms_number"], preferred_contact_channel="sms"
    )
    world["out_cust"] = customer(
        "Withdrawn Customer", mobile=world["out_number"], preferred_contact_channel="sms"
    )
    world["yes_cust"] = customer(
        "Consenting Customer", mobile=world["yes_number"], preferred_contact_channel="sms"
    )
    world["bad_cust"] = customer(
        "Unlucky Customer", mobile=world["bad_number"], preferred_contact_channel="sms"
    )
    world["staff"] = new_user(
        odoo_server, admin, f"ch.staff.{low}", ["crm_retail_compile.group_branch_staff"], [branch]
    )
    world["manager"] = new_user(
        odoo_server,
        admin,
        f"ch.manager.{low}",
        ["crm_retail_compile.group_branch_manager"],
        [branch],
    )
    return world


def _custom_order(admin, world, partner):
    order = admin(
        "crm.jewellery.custom.order",
        "create",
        {
            "partner_id": partner,
            "retail_branch_id": world["branch"],
            "service_amount": 6000,
            "amount_paid": 1000,
            "balance_due_date": datetime.date.today().isoformat(),
        },
    )
    admin("crm.jewellery.custom.order", "action_approve_design", [order])
    return order


def _reminders(records):
    """The payment reminders among SMS (a new order also sends status notices)."""
    return [r for r in records if r["body"].startswith("Reminder:")]


def _logs(admin, model, res_id):
    return admin(
        "crm.jewellery.reminder.log",
        "search_read",
        [("res_model", "=", model), ("res_id", "=", res_id)],
        fields=["stage", "channel", "reminded_by_id"],
    )


def _sms_records(admin, partner):
    return admin(
        "sms.sms",
        "search_read",
        [("partner_id", "=", partner)],
        fields=["state", "failure_type", "number", "body"],
    )


def _digits(number):
    return "".join(c for c in number if c.isdigit())


def _sms_to(gateway, number):
    """The payment reminders the gateway accepted for ``number``."""
    return _reminders(
        m for m in gateway.messages() if _digits(m["to"]).endswith(_digits(number)[-8:])
    )


def test_email_reminder_reaches_the_customer_once(odoo_server, admin, world, mail_catcher):
    email = admin("res.partner", "read", [world["mail_cust"]], ["email"])[0]["email"]
    move = admin(
        "account.move",
        "create",
        {
            "move_type": "out_invoice",
            "partner_id": world["mail_cust"],
            "invoice_date": datetime.date.today().isoformat(),
            "invoice_line_ids": [(0, 0, {"name": "Jade bangle", "quantity": 1, "price_unit": 800})],
        },
    )
    admin("account.move", "action_post", [move])
    name = admin("account.move", "read", [move], ["name"])[0]["name"]
    action = world["manager"]("account.move", "action_remind_now", [move])
    assert action["params"]["type"] == "success"
    # pressed twice the same day: refused, nothing more is sent
    with pytest.raises(xmlrpc.client.Fault) as fault:
        world["manager"]("account.move", "action_remind_now", [move])
    assert "already sent today" in fault.value.faultString
    assert "Traceback" not in fault.value.faultString
    flush_queues(admin)
    mail_catcher.wait_for(1)
    received = [m for m in mail_catcher.messages() if email in m["to"]]
    assert len(received) == 1, received
    assert received[0]["subject"] == f"Payment reminder: invoice {name}"
    assert name in received[0]["html"] and name in received[0]["text"]
    # logged: the reminder log, and the message on the invoice's chatter
    # addressed to the customer, delivered (the invoice's followers get it too)
    logs = _logs(admin, "account.move", move)
    assert [(log["stage"], log["channel"]) for log in logs] == [("due", "email")]
    messages = admin(
        "mail.message",
        "search_read",
        [
            ("model", "=", "account.move"),
            ("res_id", "=", move),
            ("partner_ids", "in", [world["mail_cust"]]),
        ],
        fields=["subject", "notification_ids"],
    )
    assert len(messages) == 1
    notifications = admin(
        "mail.notification",
        "read",
        messages[0]["notification_ids"],
        ["res_partner_id", "notification_status"],
    )
    statuses = {n["res_partner_id"][0]: n["notification_status"] for n in notifications}
    assert statuses[world["mail_cust"]] == "sent"


def test_sms_reminder_reaches_the_gateway_once(admin, world, sms_gateway):
    order = _custom_order(admin, world, world["sms_cust"])
    name = admin("crm.jewellery.custom.order", "read", [order], ["name"])[0]["name"]
    world["staff"]("crm.jewellery.custom.order", "action_remind_now", [order])
    with pytest.raises(xmlrpc.client.Fault) as fault:
        world["staff"]("crm.jewellery.custom.order", "action_remind_now", [order])
    assert "already sent today" in fault.value.faultString
    flush_queues(admin)
    sms_gateway.wait_for(1)
    received = _sms_to(sms_gateway, world["sms_number"])
    assert len(received) == 1, sms_gateway.messages()
    assert received[0]["body"] == f"Reminder: balance of custom order {name}: 5000.0."
    # the token configured in the settings went along
    assert {r["authorization"] for r in sms_gateway.requests()} == {f"Bearer {sms_gateway.token}"}
    assert [
        (log["stage"], log["channel"]) for log in _logs(admin, "crm.jewellery.custom.order", order)
    ] == [("due", "sms")]
    # Sent (as Odoo's IAP "success"), no failure
    assert [
        (s["state"], s["failure_type"]) for s in _reminders(_sms_records(admin, world["sms_cust"]))
    ] == [("pending", False)]
    # on the order's chatter, addressed to the customer, delivered
    messages = admin(
        "mail.message",
        "search_read",
        [
            ("model", "=", "crm.jewellery.custom.order"),
            ("res_id", "=", order),
            ("message_type", "=", "sms"),
            ("body", "ilike", "Reminder:"),
        ],
        fields=["notification_ids"],
    )
    assert len(messages) == 1
    statuses = admin(
        "mail.notification", "read", messages[0]["notification_ids"], ["notification_status"]
    )
    assert [n["notification_status"] for n in statuses] == ["pending"]


def test_withdrawn_marketing_consent_blocks_marketing_sms_not_service(admin, world, sms_gateway):
    promotions = ref(admin, "crm_privacy_pdpo.purpose_promotions")
    for partner in (world["out_cust"], world["yes_cust"]):
        admin(
            "crm.privacy.consent",
            "create",
            {
                "partner_id": partner,
                "purpose_id": promotions,
                "channel": "sms",
                "kind": "opt_in",
                "grandfathered": True,
            },
        )
    admin(
        "crm.privacy.consent",
        "create",
        {
            "partner_id": world["out_cust"],
            "purpose_id": promotions,
            "channel": "sms",
            "kind": "opt_out",
            "grandfathered": True,
        },
    )
    # a service reminder still reaches them
    order = _custom_order(admin, world, world["out_cust"])
    sms_gateway.clear()
    world["staff"]("crm.jewellery.custom.order", "action_remind_now", [order])
    flush_queues(admin)
    assert len(_sms_to(sms_gateway, world["out_number"])) == 1
    sms_gateway.clear()

    # a marketing SMS reaches only the customer who consents
    mailing = admin(
        "mailing.mailing",
        "create",
        {
            "name": f"Promo {world['tag']}",
            "subject": f"Promo {world['tag']}",
            "mailing_type": "sms",
            "body_plaintext": "New jade collection, 10% off this week",
            "mailing_model_id": admin("ir.model", "search", [("model", "=", "res.partner")])[0],
            "mailing_domain": repr([("id", "in", [world["out_cust"], world["yes_cust"]])]),
            "privacy_purpose_id": promotions,
        },
    )
    admin("mailing.mailing", "action_send_sms", [mailing])
    flush_queues(admin)
    sms_gateway.wait_for(1)
    assert [m["to"] for m in sms_gateway.messages()] == [world["yes_number"].replace(" ", "")]
    # the customer's preference link replaces Odoo's STOP link
    assert sms_gateway.messages()[0]["body"].startswith(
        "New jade collection, 10% off this week\nPreferences/opt-out: "
    )
    traces = admin(
        "mailing.trace",
        "search_read",
        [("mass_mailing_id", "=", mailing)],
        fields=["res_id", "trace_status", "failure_type"],
    )
    by_partner = {t["res_id"]: (t["trace_status"], t["failure_type"]) for t in traces}
    assert by_partner[world["out_cust"]] == ("cancel", "sms_no_consent")
    # the gateway's answer came back onto the trace, as IAP's would
    assert by_partner[world["yes_cust"]] == ("pending", False)


@pytest.mark.parametrize("failure", ["http_503", "rejected_number", "timeout"])
def test_gateway_failure_leaves_sms_in_error(admin, world, sms_gateway, failure):
    partner, number = world["bad_cust"], world["bad_number"]
    order = _custom_order(admin, world, partner)
    if failure == "http_503":
        sms_gateway.http_status = 503
        expected = "sms_server"
    elif failure == "rejected_number":
        sms_gateway.fail_numbers[number.replace(" ", "")] = "invalid_number"
        expected = "sms_number_format"
    else:
        admin("ir.config_parameter", "set_param", "crm_privacy_pdpo.sms_gateway_timeout", "1")
        sms_gateway.delay = 2
        expected = "sms_server"
    try:
        # no traceback for the user: the reminder is sent and logged, the
        # SMS waits in error (failure type) to be resent
        action = world["staff"]("crm.jewellery.custom.order", "action_remind_now", [order])
        assert action["params"]["type"] == "success"
        flush_queues(admin)
        errors = [s for s in _reminders(_sms_records(admin, partner)) if s["state"] == "error"]
        assert [s["failure_type"] for s in errors] == [expected]
        if failure != "timeout":
            assert _sms_to(sms_gateway, number) == []
        # (a gateway that answers too late may still send it: the retry
        # below may then reach the customer twice, as with any provider)
        # the gateway back: Retry sends it
        sms_gateway.clear()
        admin("sms.sms", "resend_failed", [errors[0]["id"]])
        assert len(_sms_to(sms_gateway, number)) == 1
        assert admin("sms.sms", "read", [errors[0]["id"]], ["state"])[0]["state"] == "pending"
    finally:
        admin("ir.config_parameter", "set_param", "crm_privacy_pdpo.sms_gateway_timeout", False)
        admin("crm.jewellery.custom.order", "write", [order], {"amount_paid": 6000})
        admin("sms.sms", "unlink", admin("sms.sms", "search", [("partner_id", "=", partner)]))
