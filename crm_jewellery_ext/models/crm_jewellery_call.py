from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.crm_retail_compile.lib import data_quality as dq

TOPICS = [
    ("enquiry", "Enquiry"),
    ("order_status", "Order Status"),
    ("repair", "Repair"),
    ("complaint", "Complaint"),
    ("appointment", "Appointment"),
    ("payment", "Payment"),
    ("other", "Other"),
]
OUTCOMES = [
    ("answered", "Answered"),
    ("resolved", "Resolved"),
    ("follow_up", "Follow-up Needed"),
    ("no_answer", "No Answer"),
    ("voicemail", "Left a Message"),
    ("missed", "Missed Call"),
]
# an inbound call with one of these outcomes is to be called back
CALL_BACK_OUTCOMES = ("missed", "no_answer", "voicemail")


class CrmJewelleryCall(models.Model):
    """A telephone call with a customer, shown on the customer's timeline."""

    _name = "crm.jewellery.call"
    _description = "Customer Call"
    _inherit = ["mail.thread", "mail.activity.mixin", "crm.branch.mixin"]
    _order = "call_date desc, id desc"

    call_date = fields.Datetime(string="Date", required=True, default=fields.Datetime.now)
    direction = fields.Selection(
        [("inbound", "Inbound"), ("outbound", "Outbound")], required=True, default="inbound"
    )
    partner_id = fields.Many2one("res.partner", string="Customer", index=True, tracking=True)
    phone = fields.Char(
        help="The caller's number in any format: stored as +852 9123 4567 (or with its "
        "country code), and linked to the customer when exactly one has it."
    )
    user_id = fields.Many2one(
        "res.users", string="Staff", required=True, default=lambda self: self.env.user
    )
    topic = fields.Selection(TOPICS, required=True, default="enquiry", index=True)
    summary = fields.Char(required=True)
    outcome = fields.Selection(OUTCOMES, required=True, default="answered", tracking=True)
    duration = fields.Float(string="Duration (min)", aggregator="sum")
    follow_up_date = fields.Date()
    follow_up_user_id = fields.Many2one("res.users", string="Follow-up By")
    call_count = fields.Integer(default=1, aggregator="sum", readonly=True, crm_system=True)

    @api.model
    def _quick_form_action(self, partner, number, direction=False):
        """The small call form, prefilled with the customer and the number
        (the customer form's *Log a Call*, the caller lookup)."""
        context = {"default_partner_id": partner.id or False, "default_phone": number}
        if direction:
            context["default_direction"] = direction
        return {
            "type": "ir.actions.act_window",
            "name": _("Log a Call"),
            "res_model": "crm.jewellery.call",
            "view_mode": "form",
            "views": [
                (self.env.ref("crm_jewellery_ext.crm_jewellery_call_view_form_quick").id, "form")
            ],
            "target": "new",
            "context": context,
        }

    @api.constrains("duration")
    def _check_duration(self):
        if any(c.duration < 0 for c in self):
            raise ValidationError(_("A call cannot last less than zero minutes."))

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        if self.partner_id and not self.phone:
            self.phone = self.partner_id.mobile or self.partner_id.phone

    @api.onchange("phone")
    def _onchange_phone(self):
        if self.phone and not self.partner_id:
            vals = {"phone": self.phone}
            self._link_partners_by_phone([vals])
            if vals.get("partner_id"):
                self.partner_id = vals["partner_id"]

    @api.model_create_multi
    def create(self, vals_list):
        self._normalise_phones(vals_list)
        self._link_partners_by_phone(vals_list)
        self._retail_branch_from_partner(vals_list)
        calls = super().create(vals_list)
        calls._log_on_customers()
        calls._schedule_follow_ups()
        calls._close_call_backs()
        return calls

    def write(self, vals):
        if vals.get("phone"):
            vals = dict(vals)
            self._normalise_phones([vals])
        return super().write(vals)

    @api.model
    def _normalise_phones(self, vals_list):
        """Store numbers as lib.data_quality.format_phone writes them; a
        number it cannot read (a short code, "private") stays as typed."""
        for vals in vals_list:
            phone = vals.get("phone")
            if isinstance(phone, str) and phone.strip():
                vals["phone"] = dq.format_phone(phone) or phone.strip()

    @api.model
    def _link_partners_by_phone(self, vals_list):
        """A call given by number without a customer gets the customer when
        exactly one the user may read has that phone key (one query for the
        whole batch, the user's record rules inside it)."""
        todo = {}
        for vals in vals_list:
            phone = vals.get("phone")
            if vals.get("partner_id") or not isinstance(phone, str):
                continue
            key = dq.phone_key(phone)
            if len(key) >= dq.HK_LOCAL_DIGITS:
                todo.setdefault(key, []).append(vals)
        if not todo:
            return
        matches = self.env["crm.jewellery.caller.lookup"]._match_phone_keys(list(todo))
        for key, rows in matches.items():
            readable = [partner_id for partner_id, _branch, visible in rows if visible]
            if len(readable) == 1:
                for vals in todo[key]:
                    vals["partner_id"] = readable[0]

    def _log_on_customers(self):
        topics = dict(self._fields["topic"]._description_selection(self.env))
        directions = dict(self._fields["direction"]._description_selection(self.env))
        outcomes = dict(self._fields["outcome"]._description_selection(self.env))
        for call in self.filtered("partner_id"):
            body = _(
                "%(direction)s call (%(topic)s, %(minutes)s min): %(summary)s. Outcome: "
                "%(outcome)s.",
                direction=directions[call.direction],
                topic=topics[call.topic],
                minutes=round(call.duration, 1),
                summary=call.summary,
                outcome=outcomes[call.outcome],
            )
            call.partner_id.message_post(
                body=body, message_type="comment", subtype_xmlid="mail.mt_note"
            )

    def _needs_call_back(self):
        self.ensure_one()
        return self.direction == "inbound" and self.outcome in CALL_BACK_OUTCOMES

    def _schedule_follow_ups(self):
        """A follow-up date plans a call on the customer; a missed inbound
        call (no answer, a message left) plans a call-back on the call itself,
        for the follow-up user, else the customer's salesperson, else the
        staff who logged it, else the branch manager (see "To Call Back")."""
        call_type = self.env.ref("mail.mail_activity_data_call")
        partner_model = self.env["ir.model"]._get_id("res.partner")
        call_model = self.env["ir.model"]._get_id(self._name)
        today = fields.Date.context_today(self)
        vals_list = []
        for call in self:
            if call._needs_call_back():
                user = (
                    call.follow_up_user_id
                    or call.partner_id.user_id.filtered(lambda u: u.active and not u.share)
                    or call.user_id.filtered(
                        lambda u: u.has_group("crm_retail_compile.group_branch_staff")
                    )
                    or call.retail_branch_id.manager_id
                    or call.user_id
                )
                vals_list.append(
                    {
                        "res_model_id": call_model,
                        "res_id": call.id,
                        "activity_type_id": call_type.id,
                        "user_id": user.id,
                        "date_deadline": call.follow_up_date or today,
                        "summary": _(
                            "Call back %(who)s: %(summary)s",
                            who=call.partner_id.name or call.phone or _("the caller"),
                            summary=call.summary,
                        ),
                    }
                )
            elif call.follow_up_date and call.partner_id:
                vals_list.append(
                    {
                        "res_model_id": partner_model,
                        "res_id": call.partner_id.id,
                        "activity_type_id": call_type.id,
                        "user_id": (call.follow_up_user_id or call.user_id).id,
                        "date_deadline": call.follow_up_date,
                        "summary": _("Call back: %(summary)s", summary=call.summary),
                    }
                )
        if vals_list:
            # on calls the user just created and customers it may read (the
            # branch link check): a call-centre integration user, which has
            # no right on activities, plans them too
            self.env["mail.activity"].sudo().create(vals_list)

    def _close_call_backs(self):
        """An outbound call that reached the customer (or the number) marks
        the open call-backs of their earlier missed calls as done."""
        reached = self.filtered(
            lambda c: c.direction == "outbound" and c.outcome not in CALL_BACK_OUTCOMES
        )
        partners = reached.partner_id
        phones = [c.phone for c in reached if c.phone]
        if not partners and not phones:
            return
        domain = [("partner_id", "in", partners.ids)]
        if phones:
            domain = ["|", ("phone", "in", phones), *domain]
        missed = self.search(
            [
                *domain,
                ("id", "not in", self.ids),
                ("direction", "=", "inbound"),
                ("outcome", "in", CALL_BACK_OUTCOMES),
            ]
        )
        if not missed:
            return
        # the calls were found under the user's rules; their activities are
        # read and closed as superuser (an integration user has no right on
        # activities)
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", missed.ids),
                    ("activity_type_id", "=", self.env.ref("mail.mail_activity_data_call").id),
                ]
            )
        )
        if activities:
            activities.action_feedback(feedback=_("Called back."))
