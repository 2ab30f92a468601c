import base64
import io
import json
import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib import spreadsheet_safety
from . import pdpo_rules

_logger = logging.getLogger(__name__)

REFUSAL_REASONS = [
    ("s20_1_a", "s.20(1)(a): identity of the requestor not proven"),
    ("s20_1_b", "s.20(1)(b): another individual's data would be disclosed without consent"),
    ("s20_1_c", "s.20(1)(c): compliance prohibited by this or another Ordinance"),
    ("s20_3_a", "s.20(3)(a): request not in Chinese or English"),
    ("s20_3_b", "s.20(3)(b): information to locate the data not supplied"),
    ("s20_3_c", "s.20(3)(c): repeated request, unreasonable in the circumstances"),
    ("s20_3_d", "s.20(3)(d): another data user controls the use of the data"),
    ("s20_3_e", "s.20(3)(e): specified form not used"),
    ("s20_3_ea", "s.20(3)(ea): request is frivolous or vexatious"),
    ("s20_3_f", "s.20(3)(f): exempted under Part 8"),
    ("s24_1", "s.24(1): data user not satisfied that the data is inaccurate"),
    ("s24_3", "s.24(3): other ground for refusing a correction"),
]
CLOSED_STATES = ("complied", "partly_complied", "refused")


def _write_cell(sheet, row, col, value, cell_format=None):
    """One typed cell: numbers as numbers, text always as text (never a
    formula, and formula-looking text neutralised: a customer named
    ``=HYPERLINK(...)`` stays a name)."""
    if value is None:
        sheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, cell_format)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, cell_format)
    else:
        sheet.write_string(row, col, spreadsheet_safety.safe_text(str(value)), cell_format)


class CrmPrivacyRequest(models.Model):
    """Data access (s.18) and correction (s.22) requests, 40-day deadline."""

    _name = "crm.privacy.request"
    _description = "Data Access or Correction Request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "received_date desc, id desc"

    name = fields.Char(string="Reference", required=True, copy=False, readonly=True, default="/")
    request_type = fields.Selection(
        [("access", "Data access request"), ("correction", "Data correction request")],
        required=True,
        default="access",
        tracking=True,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Data Subject",
        required=True,
        tracking=True,
        ondelete="restrict",
        index=True,
    )
    requester_name = fields.Char(required=True, tracking=True)
    requester_is_relevant_person = fields.Boolean(
        string="Requester is an Authorised Person",
        help="The requester acts for the data subject (relevant person, s.2).",
    )
    request_details = fields.Text()
    received_date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    due_date = fields.Date(
        string="Statutory Due Date",
        compute="_compute_due_date",
        store=True,
        crm_system=True,
        help="Received date + 40 days (s.19(1), s.23(1)).",
    )
    is_overdue = fields.Boolean(compute="_compute_is_overdue", search="_search_is_overdue")
    state = fields.Selection(
        [
            ("received", "Received"),
            ("verifying", "Verifying identity"),
            ("in_progress", "In progress"),
            ("complied", "Complied"),
            ("partly_complied", "Partly complied"),
            ("refused", "Refused"),
        ],
        default="received",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
        crm_system=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Responsible", default=lambda self: self.env.user, tracking=True
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    # Identity verification
    verification_method = fields.Selection(
        [
            ("id_sighted", "Identity document sighted in person"),
            ("id_copy", "Copy of identity document (destroyed after check)"),
            ("known_customer", "Known customer, verified against records"),
            ("email_confirmation", "Confirmation from the registered email"),
            ("authorisation", "Written authorisation of the data subject"),
        ],
        tracking=True,
    )
    verified_by_id = fields.Many2one(
        "res.users", string="Identity Verified By", readonly=True, crm_system=True
    )
    verified_date = fields.Datetime(readonly=True, crm_system=True)
    # Fee (s.28): direct costs only, capped; corrections are free
    pages = fields.Integer(string="Pages Copied")
    media_count = fields.Integer(string="Storage Media")
    fee = fields.Float(compute="_compute_fee", store=True, digits=(16, 2), crm_system=True)
    fee_paid = fields.Boolean()
    # Snapshot as at receipt
    snapshot_json = fields.Text(readonly=True, copy=False, crm_system=True)
    snapshot_date = fields.Datetime(readonly=True, copy=False, crm_system=True)
    snapshot_attachment_ids = fields.Many2many(
        "ir.attachment",
        "crm_privacy_request_attachment_rel",
        "request_id",
        "attachment_id",
        string="Snapshot Files",
        readonly=True,
        copy=False,
        crm_system=True,
    )
    redaction_notes = fields.Text(
        help="Data of other individuals removed from the copy (s.20(1)(b))."
    )
    # Corrections
    correction_ids = fields.One2many("crm.privacy.request.correction", "request_id")
    disclosure_ids = fields.Many2many(
        "crm.privacy.disclosure",
        compute="_compute_disclosure_ids",
        string="Disclosures in the Last 12 Months",
    )
    # Outcome
    response_date = fields.Date(readonly=True, copy=False, crm_system=True)
    refusal_reason = fields.Selection(REFUSAL_REASONS, tracking=True)
    refusal_details = fields.Text()
    refusal_log_id = fields.Many2one(
        "crm.privacy.refusal.log", readonly=True, copy=False, crm_system=True
    )

    @api.depends("received_date")
    def _compute_due_date(self):
        for request in self:
            request.due_date = (
                pdpo_rules.statutory_due_date(request.received_date)
                if request.received_date
                else False
            )

    def _compute_is_overdue(self):
        today = fields.Date.context_today(self)
        for request in self:
            request.is_overdue = bool(request.due_date) and pdpo_rules.is_overdue(
                request.due_date, today, complied=request.state in CLOSED_STATES
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(_("Unsupported search on overdue requests."))
        domain = [
            ("state", "not in", CLOSED_STATES),
            ("due_date", "<", fields.Date.context_today(self)),
        ]
        if (operator == "=") != bool(value):
            return ["!", "&", *domain]
        return domain

    @api.depends("request_type", "pages", "media_count")
    def _compute_fee(self):
        params = self._get_fee_parameters()
        for request in self:
            try:
                request.fee = pdpo_rules.compute_request_fee(
                    request.request_type,
                    request.pages or 0,
                    request.media_count or 0,
                    **params,
                )
            except ValueError as error:
                raise ValidationError(str(error)) from error

    @api.model
    def _get_fee_parameters(self):
        icp = self.env["ir.config_parameter"].sudo()

        def _float(key, default):
            try:
                return float(icp.get_param(key, default))
            except (TypeError, ValueError):
                return float(default)

        cap = _float("crm_privacy_pdpo.request_fee_cap", -1)
        return {
            "cost_per_page": _float("crm_privacy_pdpo.request_fee_per_page", 0),
            "cost_per_medium": _float("crm_privacy_pdpo.request_fee_per_medium", 0),
            "cap": cap if cap >= 0 else None,
        }

    @api.depends("partner_id", "received_date")
    def _compute_disclosure_ids(self):
        for request in self:
            start = pdpo_rules.disclosure_window_start(
                request.received_date or fields.Date.context_today(self)
            )
            request.disclosure_ids = self.env["crm.privacy.disclosure"].search(
                [
                    ("partner_id", "=", request.partner_id.id),
                    ("date", ">=", start),
                ]
            )

    @api.constrains("pages", "media_count")
    def _check_quantities(self):
        for request in self:
            if request.pages < 0 or request.media_count < 0:
                raise ValidationError(_("Quantities cannot be negative."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("crm.privacy.request") or "/"
        requests = super().create(vals_list)
        requests._schedule_deadline_activity()
        return requests

    def _schedule_deadline_activity(self):
        """A reminder due REMINDER_DAYS after receipt; its text gives the
        statutory deadline and the days left then, from the same constants
        as its date and as ``due_date``."""
        reminder_days = pdpo_rules.REMINDER_DAYS
        days_left = pdpo_rules.STATUTORY_DAYS - reminder_days
        for request in self:
            request.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=pdpo_rules.reminder_date(request.received_date, days=reminder_days),
                summary=_(
                    "Reply before %(date)s: %(left)s days left of the %(days)s-day deadline",
                    date=request.due_date,
                    left=days_left,
                    days=pdpo_rules.STATUTORY_DAYS,
                ),
                user_id=(request.user_id or self.env.user).id,
            )

    # ------------------------------------------------------------------
    # Workflow
    # ------------------------------------------------------------------
    def _check_officer(self):
        """Explicit check before the superuser steps of the request desk."""
        if not (self.env.su or self.env.user.has_group("crm_privacy_pdpo.group_privacy_officer")):
            raise AccessError(_("Only a privacy officer handles access and correction requests."))
        self.check_access("write")

    def _check_open(self):
        for request in self:
            if request.state in CLOSED_STATES:
                raise UserError(_("Request %(name)s is closed.", name=request.name))

    def action_start_verification(self):
        self._check_open()
        self.check_access("write")
        self._crm_system_write().write({"state": "verifying"})

    def action_verify_identity(self):
        self._check_open()
        for request in self:
            if not request.verification_method:
                raise UserError(_("Choose how the requester's identity was verified."))
        self.check_access("write")
        self._crm_system_write().write(
            {
                "state": "in_progress",
                "verified_by_id": self.env.user.id,
                "verified_date": fields.Datetime.now(),
            }
        )
        for request in self.filtered(lambda r: r.request_type == "access" and not r.snapshot_json):
            request.action_take_snapshot()

    def _check_verified(self):
        for request in self:
            if not request.verified_date:
                raise UserError(
                    _("Verify the requester's identity before disclosing or correcting data.")
                )

    def action_complied(self):
        self._check_open()
        self._check_verified()
        for request in self:
            if request.request_type == "access" and not request.snapshot_json:
                raise UserError(_("Take the snapshot of the data before complying."))
            if request.request_type == "correction" and request.correction_ids.filtered(
                lambda c: not c.applied
            ):
                raise UserError(_("Apply the corrections before closing the request."))
        self.check_access("write")
        self._crm_system_write().write(
            {"state": "complied", "response_date": fields.Date.context_today(self)}
        )
        self.activity_unlink(["mail.mail_activity_data_todo"])

    def action_partly_complied(self):
        self._check_open()
        self._check_verified()
        for request in self:
            if not request.refusal_reason:
                raise UserError(_("Give the statutory reason for the part not complied with."))
        self.check_access("write")
        self._log_refusal()
        self._crm_system_write().write(
            {"state": "partly_complied", "response_date": fields.Date.context_today(self)}
        )
        self.activity_unlink(["mail.mail_activity_data_todo"])

    def action_refuse(self):
        self._check_open()
        for request in self:
            if not request.refusal_reason:
                raise UserError(
                    _("A refusal needs a statutory reason (s.20 or s.24) given in writing.")
                )
        self.check_access("write")
        self._log_refusal()
        self._crm_system_write().write(
            {"state": "refused", "response_date": fields.Date.context_today(self)}
        )
        self.activity_unlink(["mail.mail_activity_data_todo"])

    def _log_refusal(self):
        """Entry in the s.27 log book (kept 4 years, never edited)."""
        Log = self.env["crm.privacy.refusal.log"].sudo()
        for request in self:
            log = Log.create(
                {
                    "request_id": request.id,
                    "request_ref": request.name,
                    "partner_id": request.partner_id.id,
                    "request_type": request.request_type,
                    "reason_code": request.refusal_reason,
                    "reason_details": request.refusal_details,
                    "user_id": self.env.user.id,
                }
            )
            request._crm_system_write().write({"refusal_log_id": log.id})

    # ------------------------------------------------------------------
    # Snapshot as at receipt
    # ------------------------------------------------------------------
    def _collect_personal_data(self):
        """Personal data held on the subject in the classified models."""
        self.ensure_one()
        partner = self.partner_id.sudo()
        registry = self.env["crm.privacy.field.classification"]._get_registry_map()
        result = {}
        for model_name, classified in sorted(registry.items()):
            if model_name not in self.env:
                continue
            Model = self.env[model_name].sudo().with_context(active_test=False)
            # the field linking a record to its customer: partner_id, or
            # what the model declares (mailing traces: crm_partner_id)
            link = getattr(Model, "_crm_privacy_partner_field", None) or "partner_id"
            if model_name == "res.partner":
                records = partner
            elif link in Model._fields and Model._fields[link].comodel_name == "res.partner":
                records = Model.search([(link, "=", partner.id)])
            else:
                continue
            fnames = [f for f in sorted(classified) if f in Model._fields]
            rows = []
            for record in records:
                row = {"id": record.id}
                for fname in fnames:
                    value = record[fname]
                    field = Model._fields[fname]
                    if field.type in ("many2one",):
                        value = value.display_name or ""
                    elif field.type in ("one2many", "many2many"):
                        value = ", ".join(value.mapped("display_name"))
                    elif field.type == "binary":
                        value = _("(file)") if value else ""
                    elif value is False:
                        value = ""
                    row[fname] = str(value) if not isinstance(value, (int, float, str)) else value
                rows.append(row)
            if rows:
                result[model_name] = {"fields": fnames, "records": rows}
        consents = self.env["crm.privacy.consent"].sudo().search([("partner_id", "=", partner.id)])
        result["crm.privacy.consent"] = {
            "fields": ["consent_date", "purpose", "channel", "use", "kind", "source"],
            "records": [
                {
                    "id": c.id,
                    "consent_date": str(c.consent_date),
                    "purpose": c.purpose_id.name or "",
                    "channel": c.channel,
                    "use": c.use or "",
                    "kind": c.kind,
                    "source": c.source,
                }
                for c in consents
            ],
        }
        # References found by Odoo's privacy lookup (email and name), for completeness.
        references = []
        if partner.email:
            wizard = (
                self.env["privacy.lookup.wizard"]
                .sudo()
                .create({"name": partner.name or "", "email": partner.email})
            )
            wizard.action_lookup()
            references = [
                {"model": line.res_model, "id": line.res_id, "name": line.res_name or ""}
                for line in wizard.line_ids
            ]
        result["_references"] = references
        return result

    def action_take_snapshot(self):
        self.ensure_one()
        self._check_officer()
        if self.request_type != "access":
            raise UserError(_("Snapshots are only taken for data access requests."))
        if self.snapshot_json:
            raise UserError(_("The snapshot as at receipt was already taken."))
        data = self._collect_personal_data()
        self.sudo().write(
            {
                "snapshot_json": json.dumps(data, indent=1, ensure_ascii=False, default=str),
                "snapshot_date": fields.Datetime.now(),
            }
        )
        self.message_post(body=_("Snapshot of the personal data held taken."))
        return True

    def _get_snapshot(self):
        self.ensure_one()
        try:
            return json.loads(self.snapshot_json or "{}")
        except ValueError:
            return {}

    def _generate_xlsx(self):
        import xlsxwriter

        self.ensure_one()
        data = self._get_snapshot()
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        bold = workbook.add_format({"bold": True})
        summary = workbook.add_worksheet(_("Request"))
        for row, (label, value) in enumerate(
            [
                (_("Reference"), self.name),
                (_("Data subject"), self.partner_id.display_name),
                (_("Received"), str(self.received_date)),
                (_("Snapshot as at"), str(self.snapshot_date or "")),
                (_("Redaction notes"), self.redaction_notes or ""),
            ]
        ):
            _write_cell(summary, row, 0, label, bold)
            _write_cell(summary, row, 1, value)
        for model_name, content in data.items():
            if model_name.startswith("_"):
                continue
            sheet = workbook.add_worksheet(model_name[:31])
            columns = ["id", *content["fields"]]
            for col, fname in enumerate(columns):
                _write_cell(sheet, 0, col, fname, bold)
            for row, record in enumerate(content["records"], start=1):
                for col, fname in enumerate(columns):
                    _write_cell(sheet, row, col, record.get(fname, ""))
        workbook.close()
        return output.getvalue()

    def action_export_xlsx(self):
        self.ensure_one()
        self._check_officer()
        if not self.snapshot_json:
            raise UserError(_("Take the snapshot first."))
        content = self._generate_xlsx()
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{self.name}-personal-data.xlsx",
                "datas": base64.b64encode(content),
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        )
        self.sudo().snapshot_attachment_ids = [(4, attachment.id)]
        self.env["crm.privacy.export.log"]._log_export(
            "crm.privacy.request",
            self.ids,
            ["snapshot_json"],
            kind="snapshot",
            purpose=_("Data access request %(name)s", name=self.name),
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    # ------------------------------------------------------------------
    # Corrections
    # ------------------------------------------------------------------
    def action_apply_corrections(self):
        self._check_officer()
        self._check_open()
        self._check_verified()
        for request in self:
            if request.request_type != "correction":
                raise UserError(_("Only correction requests correct data."))
            request.correction_ids.filtered(lambda c: not c.applied)._apply()
            if request.disclosure_ids:
                request.message_post(
                    body=_(
                        "Notify the corrected data to the third parties who received it in the "
                        "previous 12 months (s.23(1)(c)): %(recipients)s",
                        recipients=", ".join(request.disclosure_ids.mapped("recipient_id.name")),
                    )
                )
        return True

    # ------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------
    @api.model
    def _cron_check_overdue(self):
        overdue = self.search([("is_overdue", "=", True)])
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        for request in overdue:
            summary = _("OVERDUE: statutory deadline %(date)s passed", date=request.due_date)
            if request.activity_ids.filtered(lambda a, s=summary: a.summary == s):
                continue
            request.activity_schedule(
                activity_type_id=todo_type.id,
                summary=summary,
                date_deadline=fields.Date.context_today(self),
                user_id=(request.user_id or self.env.user).id,
            )
            request.message_post(body=summary)
        return overdue
