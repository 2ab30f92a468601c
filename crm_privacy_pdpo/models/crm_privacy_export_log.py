from odoo import _, api, fields, models
from odoo.exceptions import UserError

DEFAULT_EXPORT_LIMIT = 500


class CrmPrivacyExportLog(models.Model):
    """Who exported which personal data, when and why (read-only)."""

    _name = "crm.privacy.export.log"
    _description = "Personal Data Export Log"
    _order = "date desc, id desc"
    _rec_name = "res_model"

    user_id = fields.Many2one("res.users", required=True, readonly=True, ondelete="restrict")
    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True, index=True)
    res_model = fields.Char(string="Model", required=True, readonly=True, index=True)
    record_count = fields.Integer(readonly=True)
    record_ids = fields.Text(readonly=True)
    field_names = fields.Text(string="Fields", readonly=True)
    kind = fields.Selection(
        [
            ("list_export", "List export"),
            ("report", "Report download"),
            ("snapshot", "Data access snapshot"),
            ("api", "API"),
        ],
        required=True,
        readonly=True,
        default="list_export",
    )
    purpose = fields.Char(readonly=True)
    export_request_id = fields.Many2one("crm.privacy.export.request", readonly=True)

    @api.model
    def _get_export_limit(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("crm_privacy_pdpo.export_approval_limit", DEFAULT_EXPORT_LIMIT)
        )
        try:
            return int(value)
        except (TypeError, ValueError):
            return DEFAULT_EXPORT_LIMIT

    @api.model
    def _check_export_allowed(self, model_name, count):
        """Exports above the limit need an approved, unused, unexpired request."""
        if count <= self._get_export_limit():
            return self.env["crm.privacy.export.request"]
        approval = self.env["crm.privacy.export.request"]._find_approval(model_name, count)
        if not approval:
            raise UserError(
                _(
                    "Exporting %(count)s records of personal data (%(model)s) needs a privacy "
                    "officer's approval first: submit an export request under Retail CRM > "
                    "Privacy > Export Requests.",
                    count=count,
                    model=model_name,
                )
            )
        return approval

    @api.model
    def _log_export(
        self, model_name, record_ids, field_names, kind="list_export", purpose=None, approval=None
    ):
        vals = {
            "user_id": self.env.uid,
            "res_model": model_name,
            "record_count": len(record_ids),
            "record_ids": ",".join(str(rid) for rid in list(record_ids)[:10000]),
            "field_names": ", ".join(str(f) for f in field_names),
            "kind": kind,
            "purpose": purpose,
            "export_request_id": approval.id if approval else False,
        }
        if approval:
            approval.sudo()._mark_used()
        return self.sudo().create(vals)

    def write(self, vals):
        if self and vals:
            raise UserError(_("The export log is read-only."))
        return super().write(vals)

    def unlink(self):
        if not (self.env.su and self.env.context.get("crm_privacy_retention")):
            raise UserError(_("The export log is read-only; the retention job purges it."))
        return super().unlink()
