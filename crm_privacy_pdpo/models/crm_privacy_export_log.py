from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

DEFAULT_EXPORT_LIMIT = 500
DEFAULT_WINDOW_HOURS = 24
DEFAULT_READ_PAGE = 80
# first key of the advisory lock that serialises the charges of one user
_BUDGET_LOCK = 0x43524D45  # "CRME"


class CrmPrivacyExportLog(models.Model):
    """Who exported or read which personal data, when and why (append-only).

    Every path that takes personal data out in bulk (``export_data``, the web
    client's ``/web/export/*``, reads of classified fields past a page, report
    outputs, API summaries) calls :meth:`_charge`: it counts the records
    against the user's budget over a rolling window, refuses what goes past it
    without an approval granted by another privacy officer, and logs one row
    per call.
    """

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
            ("read", "Read of personal data"),
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

    # ------------------------------------------------------------------
    # Budget parameters (Settings > Technical > System Parameters)
    # ------------------------------------------------------------------
    @api.model
    def _get_int_param(self, key, default, minimum=0):
        value = self.env["ir.config_parameter"].sudo().get_param(key, default)
        try:
            value = int(value)
        except (TypeError, ValueError):
            return default
        return value if value >= minimum else default

    @api.model
    def _get_export_limit(self):
        """Records of personal data a user may take out per window without
        approval: the user's own budget when set, else the default."""
        own = self.env.user.sudo().crm_export_budget
        if own > 0:
            return own
        return self._get_int_param("crm_privacy_pdpo.export_approval_limit", DEFAULT_EXPORT_LIMIT)

    @api.model
    def _get_budget_window(self):
        hours = self._get_int_param(
            "crm_privacy_pdpo.export_budget_window_hours", DEFAULT_WINDOW_HOURS, minimum=1
        )
        return timedelta(hours=hours)

    @api.model
    def _get_read_page_size(self):
        """Reads of classified fields of up to this many records are browsing, not charged."""
        return self._get_int_param(
            "crm_privacy_pdpo.export_read_page_size", DEFAULT_READ_PAGE, minimum=1
        )

    # ------------------------------------------------------------------
    # Budget
    # ------------------------------------------------------------------
    @api.model
    def _budget_used(self):
        """Records charged to the current user in the window, approved exports excluded."""
        since = fields.Datetime.now() - self._get_budget_window()
        [(used,)] = self.sudo()._read_group(
            [
                ("user_id", "=", self.env.uid),
                ("date", ">=", since),
                ("export_request_id", "=", False),
            ],
            aggregates=["record_count:sum"],
        )
        return used or 0

    @api.model
    def _budget_remaining(self):
        return max(0, self._get_export_limit() - self._budget_used())

    @api.model
    def _refuse(self, model_name, count, remaining):
        hours = int(self._get_budget_window().total_seconds() // 3600)
        raise UserError(
            _(
                "This would take out %(count)s records of personal data (%(model)s). Your "
                "budget is %(limit)s records per %(hours)s hours and %(left)s are left. Take "
                "out fewer records, or submit an export request under Retail CRM > Privacy > "
                "Export Requests (model %(model)s, at least %(count)s records) and have it "
                "approved by another privacy officer.",
                count=count,
                model=model_name,
                limit=self._get_export_limit(),
                hours=hours,
                left=remaining,
            )
        )

    @api.model
    def _check_export_allowed(self, model_name, count):
        """The approval covering ``count`` records when they exceed the budget left.

        Checks only (nothing is charged); raises a UserError when refused."""
        if self.env.su or count <= self._budget_remaining():
            return self.env["crm.privacy.export.request"]
        approval = self.env["crm.privacy.export.request"]._find_approval(model_name, count)
        if not approval:
            self._refuse(model_name, count, self._budget_remaining())
        return approval

    @api.model
    def _charge(self, model_name, record_ids, field_names, kind="list_export", purpose=None):
        """Charge the records taken out by one call to the current user's budget.

        :param record_ids: the ids (or their number) of the records taken out
        :return: the log row, or ``None`` for the superuser and internal jobs
        :raise UserError: above the budget without an approved, unexpired
            export request of the user (approved by someone else) for
            ``model_name`` covering ``count`` records
        """
        if self.env.su:
            return None
        if isinstance(record_ids, int):
            count, record_ids = record_ids, []
        else:
            record_ids = [rid for rid in record_ids if isinstance(rid, int)]
            count = len(record_ids)
        if count <= 0:
            return None
        # one charge of a user at a time: parallel calls cannot both pass
        self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", _BUDGET_LOCK, self.env.uid))
        approval = self.env["crm.privacy.export.request"]
        remaining = self._budget_remaining()
        if count > remaining:
            approval = approval._find_approval(model_name, count)
            if not approval:
                self._refuse(model_name, count, remaining)
        if not purpose:
            purpose = (
                approval.purpose if approval else self.env.context.get("crm_privacy_export_purpose")
            )
        return self._log_export(
            model_name,
            record_ids,
            field_names,
            kind=kind,
            purpose=purpose or dict(self._fields["kind"].selection)[kind],
            approval=approval,
            count=count,
        )

    @api.model
    def _log_export(
        self,
        model_name,
        record_ids,
        field_names,
        kind="list_export",
        purpose=None,
        approval=None,
        count=None,
    ):
        """Append a row to the log (no budget check: see :meth:`_charge`)."""
        record_ids = list(record_ids)
        vals = {
            "user_id": self.env.uid,
            "res_model": model_name,
            "record_count": len(record_ids) if count is None else count,
            "record_ids": ",".join(str(rid) for rid in record_ids[:10000]),
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
