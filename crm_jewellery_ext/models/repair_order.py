from odoo import _, api, fields, models
from odoo.exceptions import UserError

SERVICE_TYPES = [
    ("repair", "Repair"),
    ("resize", "Resizing"),
    ("clean", "Cleaning and Polishing"),
    ("appraisal", "Appraisal"),
]
CUSTOMER_STATUSES = [
    ("received", "Received"),
    ("confirmed", "Confirmed"),
    ("in_progress", "In Progress"),
    ("ready", "Ready for Collection"),
    ("collected", "Collected"),
    ("cancelled", "Cancelled"),
]
STATE_TO_STATUS = {
    "draft": "received",
    "confirmed": "confirmed",
    "under_repair": "in_progress",
    "done": "ready",
    "cancel": "cancelled",
}


class RepairOrder(models.Model):
    """Jewellery repairs, resizing, cleaning and appraisals on Odoo's repair
    app: a service type, a branch, a customer-facing status, deposit and
    balance, and a notice to the customer at each status change."""

    _name = "repair.order"
    _inherit = ["repair.order", "crm.branch.mixin", "crm.jewellery.service.mixin"]
    _jewellery_status_field = "customer_status"
    _jewellery_mail_template = "crm_jewellery_ext.mail_template_repair_status"
    _jewellery_sms_template = "crm_jewellery_ext.sms_template_repair_status"
    _jewellery_status_zh = {
        "received": "已收件",
        "confirmed": "已確認",
        "in_progress": "處理中",
        "ready": "可取貨",
        "collected": "已取貨",
        "cancelled": "已取消",
    }

    jewellery_service_type = fields.Selection(
        SERVICE_TYPES, string="Service Type", default="repair", tracking=True
    )
    customer_status = fields.Selection(
        CUSTOMER_STATUSES,
        compute="_compute_customer_status",
        store=True,
        index=True,
        tracking=True,
        help="The status the customer sees on the portal and in notices.",
    )
    collected_date = fields.Date(readonly=True, copy=False)
    new_ring_circumference_mm = fields.Float(
        string="New Ring Size (mm)", digits=(4, 1), help="Resizing: the size asked for."
    )

    @api.depends("state", "collected_date")
    def _compute_customer_status(self):
        for repair in self:
            if repair.state == "done" and repair.collected_date:
                repair.customer_status = "collected"
            else:
                repair.customer_status = STATE_TO_STATUS.get(repair.state, "received")

    @api.model_create_multi
    def create(self, vals_list):
        self._retail_branch_from_partner(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if "state" not in vals and "collected_date" not in vals:
            return super().write(vals)
        old = self._jewellery_statuses()
        res = super().write(vals)
        changed = self._jewellery_notify_changes(old)
        done = changed.filtered(lambda r: r.customer_status == "ready")
        if done:
            self.env["crm.jewellery.review"]._request_reviews_for(done)
        return res

    def action_jewellery_collect(self):
        if any(r.state != "done" for r in self):
            raise UserError(_("Only finished repairs can be collected."))
        if any(r.balance > 0 for r in self):
            raise UserError(_("The balance must be paid before the item is collected."))
        return self.write({"collected_date": fields.Date.context_today(self)})
