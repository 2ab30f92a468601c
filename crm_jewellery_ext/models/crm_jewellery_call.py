from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

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
]


class CrmJewelleryCall(models.Model):
    """A telephone call with a customer, shown on the customer's timeline."""

    _name = "crm.jewellery.call"
    _description = "Customer Call"
    _inherit = ["mail.thread", "crm.branch.mixin"]
    _order = "call_date desc, id desc"

    call_date = fields.Datetime(string="Date", required=True, default=fields.Datetime.now)
    direction = fields.Selection(
        [("inbound", "Inbound"), ("outbound", "Outbound")], required=True, default="inbound"
    )
    partner_id = fields.Many2one("res.partner", string="Customer", index=True, tracking=True)
    phone = fields.Char()
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

    @api.constrains("duration")
    def _check_duration(self):
        if any(c.duration < 0 for c in self):
            raise ValidationError(_("A call cannot last less than zero minutes."))

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        if self.partner_id and not self.phone:
            self.phone = self.partner_id.mobile or self.partner_id.phone

    @api.model_create_multi
    def create(self, vals_list):
        self._retail_branch_from_partner(vals_list)
        calls = super().create(vals_list)
        calls._log_on_customers()
        calls._schedule_follow_ups()
        return calls

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

    def _schedule_follow_ups(self):
        call_type = self.env.ref("mail.mail_activity_data_call")
        partner_model = self.env["ir.model"]._get_id("res.partner")
        vals_list = [
            {
                "res_model_id": partner_model,
                "res_id": call.partner_id.id,
                "activity_type_id": call_type.id,
                "user_id": (call.follow_up_user_id or call.user_id).id,
                "date_deadline": call.follow_up_date,
                "summary": _("Call back: %(summary)s", summary=call.summary),
            }
            for call in self
            if call.follow_up_date and call.partner_id
        ]
        if vals_list:
            self.env["mail.activity"].create(vals_list)
