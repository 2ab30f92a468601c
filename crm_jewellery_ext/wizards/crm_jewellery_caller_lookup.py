from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.crm_retail_compile.lib import data_quality as dq
from odoo.addons.crm_retail_compile.lib import pg_settings

from ..lib import lookup

CALLER_LOOKUP_GROUPS = (
    "crm_retail_compile.group_branch_staff",
    "crm_retail_compile.group_integration",
)
# personal fields of the customer shown in a caller summary (charged to the
# user's personal-data budget)
SUMMARY_FIELDS = (
    "name",
    "membership_number",
    "retail_branch_id",
    "membership_tier_id",
    "user_id",
    "rfm_last_purchase_date",
)


class CrmJewelleryCallerLookup(models.TransientModel):
    """Who is calling: the customers with the caller's phone number.

    Staff type the number in any format (or a telephony integration passes it
    over XML-RPC to :meth:`caller_lookup`); it is matched through
    crm_retail_compile's one phone key (``crm_phone_key``, indexed). A
    customer the user may read is summarised (branch, tier, salesperson, open
    custom orders and repairs, unpaid invoices, last purchase, consent to be
    called); a customer of another branch is only shown as such, with that
    branch and its phone (no name, no data), and the lookup is noted on the
    customer's chatter, like the status lookup does. Several customers with
    the same number are all listed (at most ``lookup.MAX_RESULTS``).
    """

    _name = "crm.jewellery.caller.lookup"
    _description = "Caller Lookup"

    number = fields.Char(
        string="Caller's Number",
        required=True,
        help="The caller's full phone number in any format: 9123 4567, +852 9123-4567, "
        "85291234567, (852) 91234567, or a foreign number with its country code.",
    )
    formatted_number = fields.Char(readonly=True)
    looked_up = fields.Boolean(readonly=True)
    line_ids = fields.One2many("crm.jewellery.caller.lookup.line", "lookup_id", readonly=True)

    # ------------------------------------------------------------------
    # Form
    # ------------------------------------------------------------------
    def action_lookup(self):
        self.ensure_one()
        result = self.caller_lookup(self.number)
        lines = []
        for cust in result["customers"]:
            lines.append(
                (
                    0,
                    0,
                    {
                        "partner_id": cust.get("id") or False,
                        "own_branch": cust["own_branch"],
                        "name": cust.get("name") or _("Customer of another branch"),
                        "membership_number": cust.get("membership_number") or False,
                        "branch": cust["branch"],
                        "branch_phone": cust["branch_phone"],
                        "tier": cust.get("tier") or False,
                        "salesperson": cust.get("salesperson") or False,
                        "open_custom_orders": cust.get("open_custom_orders") or 0,
                        "open_repairs": cust.get("open_repairs") or 0,
                        "unpaid_invoices": cust.get("unpaid_invoices") or 0,
                        "unpaid_amount": cust.get("unpaid_amount") or 0.0,
                        "last_purchase": cust.get("last_purchase") or False,
                        "call_consent": cust.get("call_consent") or False,
                        "call_consent_purposes": ", ".join(cust.get("call_consent_purposes", [])),
                    },
                )
            )
        self.line_ids.unlink()
        self.write(
            {
                "formatted_number": result["number"],
                "looked_up": True,
                "line_ids": lines,
            }
        )
        return self._reopen()

    def action_log_call(self):
        """Log a call from this number (an unknown caller, or one of another
        branch): the call is linked to the customer when the user may see
        exactly one with this number."""
        self.ensure_one()
        return self.env["crm.jewellery.caller.lookup.line"]._log_call_action(
            self.env["res.partner"], self.formatted_number or self.number
        )

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    # ------------------------------------------------------------------
    # Public entry point (UI and XML-RPC)
    # ------------------------------------------------------------------
    @api.model
    def caller_lookup(self, number):
        """The customers with the caller's phone ``number`` (any format).

        Returns ``{"number": formatted number, "key": phone key, "count": n,
        "customers": [...]}``; each customer the user may read is
        ``{"own_branch": True, "id", "name", "membership_number", "branch",
        "branch_phone", "tier", "salesperson", "open_custom_orders",
        "open_repairs", "unpaid_invoices", "unpaid_amount", "last_purchase"
        (ISO date or False), "call_consent", "call_consent_purposes"}``, a
        customer of another branch only ``{"own_branch": False, "branch",
        "branch_phone"}``. A number that is not a full phone number raises a
        UserError; a user outside branch staff and integration, an
        AccessError.
        """
        if not any(self.env.user.has_group(g) for g in CALLER_LOOKUP_GROUPS):
            raise AccessError(_("Only branch staff and the call centre can look up callers."))
        if not isinstance(number, str):
            raise UserError(_("Give the caller's phone number as text."))
        try:
            key = lookup.caller_key(number)
        except lookup.LookupError_ as exc:
            raise UserError(
                _(
                    "Give the caller's full phone number (at least %(n)s digits), for example "
                    "%(example)s.",
                    n=lookup.HK_PHONE_DIGITS,
                    example=dq.HK_PHONE_EXAMPLE,
                )
            ) from exc
        if len(key) > 20:
            raise UserError(_("This is not a phone number: too many digits."))
        rows = self._match_phone_keys([key]).get(key, [])[: lookup.MAX_RESULTS]
        own_ids = [pid for pid, _branch, visible in rows if visible]
        summaries = self._summaries(own_ids)
        others = [(pid, branch_id) for pid, branch_id, visible in rows if not visible]
        customers = [summaries[pid] for pid in own_ids]
        customers += self._other_branch_entries(others)
        return {
            "number": dq.format_phone(number) or number.strip(),
            "key": key,
            "count": len(customers),
            "customers": customers,
        }

    # ------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------
    @api.model
    def _match_phone_keys(self, keys):
        """``{key: [(partner id, branch id, readable by the user)]}`` of the
        active retail customers whose phone or mobile has one of ``keys``
        (crm_phone_key, through its expression indexes): one query for any
        number of keys, the user's record rules applied inside it."""
        keys = sorted({k for k in keys if k})
        if not keys:
            return {}
        Partner = self.env["res.partner"]
        Partner.flush_model(["phone", "mobile", "active", "is_retail_customer", "retail_branch_id"])
        readable = Partner._search([])
        # the estimates of the expression indexes are high enough for JIT to
        # compile the plan, which takes longer than running it
        with pg_settings.local_settings(self.env.cr, jit="off"):
            rows = self.env.execute_query(
                SQL(
                    """SELECT k.v, p.id, p.retail_branch_id, p.id IN %(readable)s
                         FROM unnest(%(keys)s::text[]) AS k(v),
                              LATERAL (
                                SELECT id FROM res_partner
                                 WHERE phone IS NOT NULL AND crm_phone_key(phone) = k.v
                                UNION
                                SELECT id FROM res_partner
                                 WHERE mobile IS NOT NULL AND crm_phone_key(mobile) = k.v
                              ) m
                         JOIN res_partner p ON p.id = m.id
                        WHERE p.active AND p.is_retail_customer
                        ORDER BY k.v, 4 DESC, p.id""",
                    readable=readable.subselect(),
                    keys=keys,
                )
            )
        result = {}
        for key, partner_id, branch_id, visible in rows:
            result.setdefault(key, []).append((partner_id, branch_id, bool(visible)))
        return result

    # ------------------------------------------------------------------
    # Summaries
    # ------------------------------------------------------------------
    @api.model
    def _summaries(self, partner_ids):
        """{partner id: summary} of customers the user may read, read with
        the user's own rights (a set of queries for all of them)."""
        if not partner_ids:
            return {}
        Partner = self.env["res.partner"]
        visible = self.env["crm.privacy.field.classification"]._get_visible_fields(
            "res.partner", list(SUMMARY_FIELDS)
        )
        partners = Partner.search_fetch([("id", "in", partner_ids)], visible)
        # a summary takes customers' personal data out of the system: charged
        # to the user's personal-data budget like the API's customer summary
        self.env["crm.privacy.export.log"]._charge(
            "res.partner", partners.ids, visible, kind="api", purpose=_("Caller lookup")
        )
        custom = self._count_by_partner(
            "crm.jewellery.custom.order",
            [("state", "not in", ("collected", "cancelled"))],
            partners,
        )
        repairs = self._count_by_partner(
            "repair.order",
            [("customer_status", "not in", ("collected", "cancelled"))],
            partners,
        )
        invoices = self._unpaid_invoices(partners)
        last_sales = self._last_sales(partners)
        consents = partners._crm_consent_status()
        result = {}
        for partner in partners:
            branch = partner.retail_branch_id if "retail_branch_id" in visible else None
            last = [d for d in (last_sales.get(partner.id), self._rfm_last(partner, visible)) if d]
            purposes = sorted(
                {
                    c["purpose"] or _("All purposes")
                    for c in consents.get(partner.id, [])
                    if c["channel"] == "phone" and c["kind"] == "opt_in"
                }
            )
            count, amount = invoices.get(partner.id, (0, 0.0))
            result[partner.id] = {
                "own_branch": True,
                "id": partner.id,
                "name": partner.name if "name" in visible else "",
                "membership_number": partner.membership_number or ""
                if "membership_number" in visible
                else "",
                "branch": branch.display_name if branch else "",
                "branch_phone": branch.phone or "" if branch else "",
                "tier": partner.membership_tier_id.display_name or ""
                if "membership_tier_id" in visible
                else "",
                "salesperson": partner.user_id.name or "" if "user_id" in visible else "",
                "open_custom_orders": custom.get(partner.id, 0),
                "open_repairs": repairs.get(partner.id, 0),
                "unpaid_invoices": count,
                "unpaid_amount": amount,
                "last_purchase": fields.Date.to_string(max(last)) if last else False,
                "call_consent": bool(purposes),
                "call_consent_purposes": purposes,
            }
        return result

    @api.model
    def _rfm_last(self, partner, visible):
        return partner.rfm_last_purchase_date if "rfm_last_purchase_date" in visible else None

    @api.model
    def _count_by_partner(self, model_name, domain, partners):
        Model = self.env[model_name]
        if not Model.has_access("read"):
            return {}
        rows = Model._read_group(
            [("partner_id", "in", partners.ids), *domain], ["partner_id"], ["__count"]
        )
        return {partner.id: count for partner, count in rows}

    @api.model
    def _unpaid_invoices(self, partners):
        Move = self.env["account.move"]
        if not Move.has_access("read"):
            return {}
        rows = Move._read_group(
            [
                ("partner_id", "in", partners.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ],
            ["partner_id"],
            ["__count", "amount_residual:sum"],
        )
        return {partner.id: (count, amount) for partner, count, amount in rows}

    @api.model
    def _last_sales(self, partners):
        Order = self.env["sale.order"]
        if not Order.has_access("read"):
            return {}
        rows = Order._read_group(
            [("partner_id", "in", partners.ids), ("state", "=", "sale")],
            ["partner_id"],
            ["date_order:max"],
        )
        return {partner.id: last.date() for partner, last in rows if last}

    @api.model
    def _other_branch_entries(self, rows):
        """Customers of other branches: only that they are, with the branch to
        call; the lookup is noted on each customer's chatter."""
        if not rows:
            return []
        # the caller's group and a full phone number were checked: the branch
        # names and phones, and the note, are written as superuser
        branches = self.env["crm.retail.branch"].sudo().browse({b for _p, b in rows if b})
        by_id = {b.id: b for b in branches}
        user = self.env.user
        partners = self.env["res.partner"].sudo().browse([p for p, _b in rows])
        body = _(
            "Looked up as a caller by %(user)s (branch %(branch)s).",
            user=user.name,
            branch=user.retail_branch_id.display_name or "-",
        )
        for partner in partners:
            partner.message_post(
                body=body, message_type="notification", subtype_xmlid="mail.mt_note"
            )
        entries = []
        for _partner_id, branch_id in rows:
            branch = by_id.get(branch_id)
            entries.append(
                {
                    "own_branch": False,
                    "branch": branch.display_name if branch else "",
                    "branch_phone": branch.phone or "" if branch else "",
                }
            )
        return entries
