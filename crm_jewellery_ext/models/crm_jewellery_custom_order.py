from odoo import _, api, fields, models
from odoo.exceptions import UserError

STATES = [
    ("quotation", "Quotation"),
    ("design_approved", "Design Approved"),
    ("in_production", "In Production"),
    ("quality_check", "Quality Check"),
    ("ready", "Ready for Collection"),
    ("collected", "Collected"),
    ("cancelled", "Cancelled"),
]
# allowed moves of the workflow: state -> states it may go to
TRANSITIONS = {
    "quotation": ("design_approved", "cancelled"),
    "design_approved": ("in_production", "quotation", "cancelled"),
    "in_production": ("quality_check", "cancelled"),
    "quality_check": ("ready", "in_production", "cancelled"),
    "ready": ("collected", "quality_check"),
    "collected": (),
    "cancelled": ("quotation",),
}


class CrmJewelleryCustomOrder(models.Model):
    """A custom design order: from the customer's brief and sketches to
    collection, with deposit and balance, and a notice to the customer at each
    step."""

    _name = "crm.jewellery.custom.order"
    _description = "Custom Jewellery Order"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "portal.mixin",
        "crm.branch.mixin",
        "crm.jewellery.service.mixin",
    ]
    _order = "id desc"
    _jewellery_mail_template = "crm_jewellery_ext.mail_template_custom_order_status"
    _jewellery_sms_template = "crm_jewellery_ext.sms_template_custom_order_status"
    _jewellery_status_zh = {
        "quotation": "報價中",
        "design_approved": "設計已確認",
        "in_production": "製作中",
        "quality_check": "品質檢查中",
        "ready": "可取貨",
        "collected": "已取貨",
        "cancelled": "已取消",
    }

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default="/", index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, tracking=True
    )
    partner_phone = fields.Char(related="partner_id.phone")
    user_id = fields.Many2one(
        "res.users", string="Salesperson", default=lambda self: self.env.user, tracking=True
    )
    retail_branch_id = fields.Many2one(tracking=True)
    # the workflow's buttons set the state (crm_system)
    state = fields.Selection(
        STATES,
        default="quotation",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
        crm_system=True,
    )
    design_description = fields.Html(string="Design Brief")
    sketch_ids = fields.Many2many(
        "ir.attachment",
        "crm_jewellery_custom_order_sketch_rel",
        "order_id",
        "attachment_id",
        string="Sketches",
    )
    metal_id = fields.Many2one("crm.jewellery.metal", ondelete="restrict")
    gemstone_ids = fields.Many2many("crm.jewellery.gemstone", string="Stones")
    ring_circumference_mm = fields.Float(string="Ring Size (mm)", digits=(4, 1))
    budget = fields.Monetary(currency_field="service_currency_id")
    product_id = fields.Many2one(
        "product.product", string="Finished Piece", help="The product the piece is sold as."
    )
    certificate_ids = fields.Many2many("crm.jewellery.certificate", string="Certificates")
    sale_order_id = fields.Many2one(
        "sale.order", help="Deposit and balance invoiced through this order."
    )
    collected_date = fields.Date(readonly=True, tracking=True, crm_system=True)
    note = fields.Text(string="Internal Notes")
    last_reminder_stage = fields.Char(compute="_compute_last_reminder_stage")

    def _compute_last_reminder_stage(self):
        stages = self.env["crm.jewellery.reminder.log"]._last_stages(self)
        for order in self:
            order.last_reminder_stage = stages.get(order.id, False)

    @api.model_create_multi
    def create(self, vals_list):
        self._retail_branch_from_partner(vals_list)
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("crm.jewellery.custom.order")
        return super().create(vals_list)

    def write(self, vals):
        # system-set fields first: the workflow checks below are for the
        # buttons' own writes
        self._crm_check_system_fields([vals])
        if "state" not in vals:
            return super().write(vals)
        self._check_transition(vals["state"])
        old = self._jewellery_statuses()
        res = super().write(vals)
        changed = self._jewellery_notify_changes(old)
        collected = changed.filtered(lambda o: o.state == "collected")
        if collected:
            self.env["crm.jewellery.review"]._request_reviews_for(collected)
        return res

    def _check_transition(self, new_state):
        if new_state not in dict(STATES):
            raise UserError(_("Unknown status: %(state)s", state=new_state))
        for order in self:
            if order.state != new_state and new_state not in TRANSITIONS[order.state]:
                raise UserError(
                    _(
                        "%(order)s cannot go from %(old)s to %(new)s.",
                        order=order.name,
                        old=dict(STATES)[order.state],
                        new=dict(STATES)[new_state],
                    )
                )

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for order in self:
            order.access_url = "/my/jewellery"
        return res

    def _set_state(self, vals):
        """The buttons' way to the workflow (the state is system-set): the
        user's write access, then the transition checks of ``write``."""
        self.check_access("write")
        return self._crm_system_write().write(vals)

    def action_approve_design(self):
        return self._set_state({"state": "design_approved"})

    def action_start_production(self):
        return self._set_state({"state": "in_production"})

    def action_quality_check(self):
        return self._set_state({"state": "quality_check"})

    def action_ready(self):
        today = fields.Date.context_today(self)
        self.filtered(lambda o: not o.ready_date).write({"ready_date": today})
        return self._set_state({"state": "ready"})

    def action_collect(self):
        if any(o.balance > 0 for o in self):
            raise UserError(_("The balance must be paid before the piece is collected."))
        return self._set_state(
            {"state": "collected", "collected_date": fields.Date.context_today(self)}
        )

    def action_cancel(self):
        return self._set_state({"state": "cancelled"})

    def action_reset(self):
        return self._set_state({"state": "quotation"})
