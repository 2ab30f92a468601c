from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

OFFICER_GROUP = "crm_privacy_pdpo.group_privacy_officer"


class CrmPrivacyExportRequest(models.Model):
    """Approval of a bulk export of personal data by the privacy officer."""

    _name = "crm.privacy.export.request"
    _description = "Bulk Export Approval Request"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    # the requester is always the creator: nobody files a request in someone
    # else's name (and then approves it)
    user_id = fields.Many2one(
        "res.users",
        string="Requested By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
        ondelete="cascade",
        crm_system=True,
    )
    model_id = fields.Many2one(
        "ir.model", string="Exported Model", required=True, ondelete="cascade"
    )
    res_model = fields.Char(related="model_id.model", store=True, string="Model Name")
    max_records = fields.Integer(required=True, default=1000)
    purpose = fields.Char(required=True, tracking=True)
    state = fields.Selection(
        [
            ("requested", "Requested"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("used", "Used"),
        ],
        default="requested",
        required=True,
        readonly=True,
        tracking=True,
        crm_system=True,
    )
    approved_by_id = fields.Many2one("res.users", readonly=True, crm_system=True)
    approved_date = fields.Datetime(readonly=True, crm_system=True)
    expiry_date = fields.Datetime(readonly=True, crm_system=True)
    used_date = fields.Datetime(readonly=True, crm_system=True)

    @api.depends("res_model", "user_id")
    def _compute_name(self):
        for req in self:
            req.name = f"{req.user_id.name or ''} / {req.res_model or ''}"

    @api.constrains("max_records")
    def _check_max_records(self):
        for req in self:
            if req.max_records <= 0:
                raise ValidationError(_("The number of records must be positive."))

    def write(self, vals):
        locked = {"model_id", "max_records", "purpose"} & set(vals)
        if (
            locked
            and not self._crm_is_system_write()
            and any(req.state != "requested" for req in self)
        ):
            raise UserError(_("A decided export request can no longer be changed."))
        return super().write(vals)

    def _check_officer(self):
        if not self.env.user.has_group(OFFICER_GROUP):
            raise AccessError(_("Only a privacy officer can decide on export requests."))

    def action_approve(self):
        self._check_officer()
        for req in self:
            if req.state != "requested":
                raise UserError(_("Only pending requests can be approved."))
            if self.env.user in (req.user_id | req.create_uid):
                raise UserError(
                    _(
                        "A privacy officer cannot approve their own export: another privacy "
                        "officer must approve it."
                    )
                )
        now = fields.Datetime.now()
        self._crm_system_write().write(
            {
                "state": "approved",
                "approved_by_id": self.env.uid,
                "approved_date": now,
                "expiry_date": now + relativedelta(days=7),
            }
        )
        return True

    def action_reject(self):
        self._check_officer()
        if any(req.state != "requested" for req in self):
            raise UserError(_("Only pending requests can be rejected."))
        self._crm_system_write().write({"state": "rejected"})
        return True

    @api.model
    def _find_approval(self, model_name, count):
        """The user's approved, unexpired request for ``count`` records of
        ``model_name``, approved by someone else."""
        return self.sudo().search(
            [
                ("user_id", "=", self.env.uid),
                ("res_model", "=", model_name),
                ("state", "=", "approved"),
                ("max_records", ">=", count),
                ("expiry_date", ">=", fields.Datetime.now()),
                ("approved_by_id", "!=", False),
                ("approved_by_id", "!=", self.env.uid),
            ],
            limit=1,
            order="id",
        )

    def _mark_used(self):
        self._crm_system_write().write({"state": "used", "used_date": fields.Datetime.now()})
