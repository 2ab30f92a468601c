"""Data access and correction requests of the demo (PDPO ss.18-23).

The privacy officer's home page and registers need open work: requests at
each step of the 40-day clock (new, being verified, in progress, close to the
deadline, overdue) and a few answered ones. Deterministic: the customers are
taken at fixed positions of the generated ones, the dates count back from
``today``.
"""

from datetime import timedelta

# (type, days since receipt, last step reached, details)
REQUESTS = (
    ("access", 3, "received", "Copy of my personal data held by the shop"),
    ("access", 12, "verifying", "Purchase history and membership records 購買紀錄及會籍資料"),
    ("correction", 20, "in_progress", "New mobile number and home address 更新手提電話及地址"),
    ("access", 34, "in_progress", "All data used for marketing 所有用於推廣的資料"),
    ("access", 44, "in_progress", "CCTV and sales records of my visit 到店紀錄"),
    ("access", 60, "complied", "Membership data 會籍資料"),
    ("correction", 90, "complied", "Spelling of my English name 英文姓名串法"),
)


def gen_privacy_requests(env, customers, today):
    """Create the demo requests for ``customers`` (partner ids); returns them."""
    Request = env["crm.privacy.request"]
    officer = env.ref("crm_privacy_pdpo.group_privacy_officer").users[:1] or env.user
    partners = env["res.partner"].browse(customers[: len(REQUESTS) * 7 : 7])
    requests = Request.browse()
    for partner, (kind, days, step, details) in zip(partners, REQUESTS, strict=False):
        request = Request.create(
            {
                "request_type": kind,
                "partner_id": partner.id,
                "requester_name": partner.name,
                "request_details": details,
                "received_date": today - timedelta(days=days),
                "user_id": officer.id,
            }
        )
        if step != "received":
            request.action_start_verification()
        if step in ("in_progress", "complied"):
            request.verification_method = "known_customer"
            request.action_verify_identity()
        if step == "complied":
            request.action_complied()
            # answered within the 40 days, as a shop would
            request._crm_system_write().write(
                {"response_date": request.received_date + timedelta(days=days // 3)}
            )
        requests |= request
    return requests
