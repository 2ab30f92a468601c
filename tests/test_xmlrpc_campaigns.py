"""Marketing campaigns against a running server (issue 17): a marketing user
builds an e-mail and an SMS campaign to a customer segment over XML-RPC and
launches it; the server's own jobs send it; exactly the consenting customers
of the segment within the user's branches arrive in the local mail catcher
and the fake SMS gateway; the others get a no-consent trace; a mailing
without a marketing purpose is refused; branch staff cannot create one."""

import re
import uuid
import xmlrpc.client

import pytest
import requests
from conftest import flush_queues, new_user, ref

CAMPAIGNS = "crm_retail_compile.group_marketing_campaigns"


@pytest.fixture(scope="module")
def world(odoo_server, admin):
    tag = uuid.uuid4().hex[:6].upper()
    low = tag.lower()
    digits = str(int(tag, 16) % 10**6).zfill(6)
    branch_a = admin("crm.retail.branch", "create", {"code": f"CA{tag}", "name": f"Camp A {tag}"})
    branch_b = admin("crm.retail.branch", "create", {"code": f"CB{tag}", "name": f"Camp B {tag}"})
    diamond = ref(admin, "crm_retail_compile.membership_tier_diamond")
    purpose = ref(admin, "crm_privacy_pdpo.purpose_promotions")
    pics = admin("crm.privacy.pics", "search", [("state", "=", "active")], limit=1)
    assert pics, "no active collection notice"

    def customer(key, number, branch, consent):
        partner = admin(
            "res.partner",
            "create",
            {
                "name": f"{key} {tag}",
                "is_retail_customer": True,
                "retail_branch_id": branch,
                "membership_tier_id": diamond,
                "email": f"{key}.{low}@example.com",
                "mobile": f"+852 {number}{digits}",
            },
        )
        if consent:
            admin(
                "crm.privacy.consent",
                "create",
                [
                    {
                        "partner_id": partner,
                        "purpose_id": purpose,
                        "pics_id": pics[0],
                        "channel": channel,
                        "use": "own_use",
                        "kind": "opt_in",
                        "source": "form",
                    }
                    for channel in ("email", "sms")
                ],
            )
        return partner

    world = {
        "tag": tag,
        "purpose": purpose,
        "diamond": diamond,
        "yes1": customer("yes1", "94", branch_a, True),
        "yes2": customer("yes2", "96", branch_a, True),
        "no": customer("no", "97", branch_a, False),
        "other_branch": customer("otherbranch", "69", branch_b, True),
        "model": admin("ir.model", "search", [("model", "=", "res.partner")])[0],
    }
    world["marketing"] = new_user(
        odoo_server,
        admin,
        f"camp.mkt.{low}",
        [CAMPAIGNS],
        [branch_a],
        retail_department_id=ref(admin, "crm_retail_compile.department_marketing"),
    )
    world["staff"] = new_user(
        odoo_server,
        admin,
        f"camp.staff.{low}",
        ["crm_retail_compile.group_branch_staff"],
        [branch_a],
    )
    return world


def _mailing(world, client, mailing_type, **vals):
    return client(
        "mailing.mailing",
        "create",
        {
            "subject": f"Diamond week {world['tag']} {mailing_type}",
            "mailing_type": mailing_type,
            "mailing_model_id": world["model"],
            "body_html": "<p>Diamond week</p>",
            "body_plaintext": "Diamond week",
            "privacy_purpose_id": world["purpose"],
            "crm_segment_tier_ids": [(6, 0, [world["diamond"]])],
            **vals,
        },
    )


def _traces(admin, mailing):
    return admin(
        "mailing.trace",
        "search_read",
        [("mass_mailing_id", "=", mailing)],
        ["crm_partner_id", "trace_status", "failure_type"],
    )


def _email(admin, partner):
    return admin("res.partner", "read", [partner], ["email"])[0]["email"]


def test_email_campaign_reaches_exactly_the_consenting(world, admin, mail_catcher):
    marketing = world["marketing"]
    mailing = _mailing(world, marketing, "mail")
    assert marketing("mailing.mailing", "action_launch", [mailing]) is True
    flush_queues(admin)
    subject = f"Diamond week {world['tag']} mail"
    expected = {_email(admin, world["yes1"]), _email(admin, world["yes2"])}
    messages = [m for m in mail_catcher.wait_for(2) if m["subject"] == subject]
    received = {address.lower() for m in messages for address in m["to"]}
    assert received == expected
    assert len(messages) == 2
    traces = _traces(admin, mailing)
    by_partner = {t["crm_partner_id"][0]: t for t in traces}
    # the segment's customer without consent: cancelled with the reason
    assert by_partner[world["no"]]["trace_status"] == "cancel"
    assert by_partner[world["no"]]["failure_type"] == "mail_no_consent"
    # another branch's consenting diamond customer: outside the sender's branches
    assert world["other_branch"] not in by_partner
    state = admin("mailing.mailing", "read", [mailing], ["state", "crm_launched_by_id"])[0]
    assert state["state"] == "done"
    # the results come back onto the customer, for the marketing user
    count = marketing("res.partner", "read", [world["yes1"]], ["crm_mailing_trace_count"])
    assert count[0]["crm_mailing_trace_count"] >= 1


def test_sms_campaign_reaches_the_gateway(world, admin, sms_gateway):
    marketing = world["marketing"]
    mailing = _mailing(world, marketing, "sms")
    assert marketing("mailing.mailing", "action_launch", [mailing]) is True
    flush_queues(admin)
    numbers = {
        admin("res.partner", "read", [p], ["phone_sanitized"])[0]["phone_sanitized"]
        for p in (world["yes1"], world["yes2"])
    }
    messages = sms_gateway.wait_for(2)
    received = {m["to"].replace(" ", "") for m in messages}
    assert received == numbers
    traces = {t["crm_partner_id"][0]: t for t in _traces(admin, mailing)}
    assert traces[world["no"]]["failure_type"] == "sms_no_consent"
    assert world["other_branch"] not in traces


def test_mailing_without_purpose_is_refused(world):
    marketing = world["marketing"]
    mailing = _mailing(world, marketing, "mail", privacy_purpose_id=False)
    with pytest.raises(xmlrpc.client.Fault) as fault:
        marketing("mailing.mailing", "action_launch", [mailing])
    assert "marketing purpose" in fault.value.faultString
    assert "Traceback" not in fault.value.faultString
    state = marketing("mailing.mailing", "read", [mailing], ["state"])[0]["state"]
    assert state == "draft"


def test_branch_staff_cannot_build_campaigns(world):
    with pytest.raises(xmlrpc.client.Fault) as fault:
        _mailing(world, world["staff"], "mail")
    assert "AccessError" in fault.value.faultString or "not allowed" in fault.value.faultString


def test_sender_cannot_be_forged(world, admin):
    marketing = world["marketing"]
    with pytest.raises(xmlrpc.client.Fault):
        _mailing(world, marketing, "mail", crm_launched_by_id=admin.uid)


PREFERENCE_LINK_RE = re.compile(r"/privacy/preferences/(\d+)/([A-Za-z0-9_\-.]+)")
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
CONSENT_INPUT_RE = re.compile(r'name="(consent_\d+_[a-z_]+)"')


def test_opt_out_in_the_preference_centre_stops_the_next_send(
    world, admin, odoo_server, mail_catcher
):
    """End to end, as the customer meets it: the campaign e-mail carries the
    customer's signed preference link; the customer opens it, withdraws the
    e-mail consent for the campaign's purpose; the next campaign to the same
    segment reaches the other consenting customer only."""
    marketing = world["marketing"]
    first = _mailing(world, marketing, "mail", subject=f"Preview {world['tag']} one")
    assert marketing("mailing.mailing", "action_launch", [first]) is True
    flush_queues(admin)
    yes1 = _email(admin, world["yes1"])
    messages = [
        m for m in mail_catcher.wait_for(2) if m["subject"] == f"Preview {world['tag']} one"
    ]
    mine = [m for m in messages if yes1 in {a.lower() for a in m["to"]}]
    assert len(mine) == 1
    link = PREFERENCE_LINK_RE.search(mine[0]["html"] or mine[0]["text"])
    assert link and int(link.group(1)) == world["yes1"], "no preference link in the e-mail"
    session = requests.Session()
    url = f"{odoo_server.url}{link.group(0)}"
    page = session.get(url, timeout=30)
    assert page.status_code == 200
    checked = set()
    for tag in re.findall(r"<input[^>]*>", page.text):
        name = CONSENT_INPUT_RE.search(tag)
        if name and re.search(r"\schecked", tag):
            checked.add(name.group(1))
    withdrawn = f"consent_{world['purpose']}_email"
    assert withdrawn in checked
    form = {name: "on" for name in checked - {withdrawn}}
    form["csrf_token"] = CSRF_RE.search(page.text).group(1)
    answer = session.post(url, data=form, timeout=30, allow_redirects=False)
    assert answer.status_code in (302, 303), answer.text[:500]
    assert "saved=1" in answer.headers["Location"]
    consents = admin(
        "crm.privacy.consent",
        "search_read",
        [
            ("partner_id", "=", world["yes1"]),
            ("purpose_id", "=", world["purpose"]),
            ("channel", "=", "email"),
        ],
        ["kind", "source"],
        order="id desc",
        limit=1,
    )
    assert consents[0]["kind"] == "opt_out"
    assert consents[0]["source"] == "portal"
    mail_catcher.clear()
    second = _mailing(world, marketing, "mail", subject=f"Preview {world['tag']} two")
    assert marketing("mailing.mailing", "action_launch", [second]) is True
    flush_queues(admin)
    messages = [
        m for m in mail_catcher.wait_for(1) if m["subject"] == f"Preview {world['tag']} two"
    ]
    received = {address.lower() for m in messages for address in m["to"]}
    assert received == {_email(admin, world["yes2"])}
    traces = {t["crm_partner_id"][0]: t for t in _traces(admin, second)}
    assert traces[world["yes1"]]["failure_type"] == "mail_no_consent"
