from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class CrmPrivacyBreach(models.Model):
    """Data breach register following the PCPD guidance on breach handling (2023)."""

    _name = "crm.privacy.breach"
    _description = "Data Breach Incident"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "discovery_date desc, id desc"

    name = fields.Char(string="Reference", required=True, copy=False, readonly=True, default="/")
    title = fields.Char(required=True, tracking=True)
    discovery_date = fields.Datetime(required=True, default=fields.Datetime.now, tracking=True)
    occurrence_date = fields.Datetime(string="Occurred On")
    description = fields.Html()
    cause = fields.Selection(
        [
            ("hacking", "Hacking / malware"),
            ("loss", "Loss of device or documents"),
            ("misdelivery", "Wrong recipient"),
            ("insider", "Unauthorised staff access"),
            ("processor", "Data processor incident"),
            ("other", "Other"),
        ],
    )
    data_categories = fields.Char(help="e.g. identity, contact, financial, identifier.")
    partner_ids = fields.Many2many("res.partner", string="Affected Customers")
    affected_count = fields.Integer(
        string="Customers Affected",
        compute="_compute_affected_count",
        store=True,
        readonly=False,
    )
    containment_steps = fields.Html()
    risk_level = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High")],
        string="Real Risk of Harm",
        tracking=True,
    )
    risk_rationale = fields.Text()
    notify_pcpd = fields.Boolean(string="Notify the PCPD", tracking=True)
    pcpd_notified_date = fields.Datetime(string="PCPD Notified On", tracking=True)
    notify_subjects = fields.Boolean(string="Notify Data Subjects", tracking=True)
    subjects_notified_date = fields.Datetime(string="Data Subjects Notified On", tracking=True)
    notification_rationale = fields.Text(help="Why notifications were (not) made.")
    lessons_learned = fields.Text()
    state = fields.Selection(
        [
            ("open", "Open"),
            ("contained", "Contained"),
            ("assessed", "Risk assessed"),
            ("notified", "Notifications done"),
            ("closed", "Closed"),
        ],
        default="open",
        required=True,
        readonly=True,
        tracking=True,
        crm_system=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Responsible", default=lambda self: self.env.user, tracking=True
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)

    @api.depends("partner_ids")
    def _compute_affected_count(self):
        for breach in self:
            if breach.partner_ids:
                breach.affected_count = len(breach.partner_ids)

    @api.constrains(
        "discovery_date",
        "occurrence_date",
        "pcpd_notified_date",
        "subjects_notified_date",
        "affected_count",
    )
    def _check_dates(self):
        for breach in self:
            if breach.affected_count < 0:
                raise ValidationError(_("The number of affected customers cannot be negative."))
            if breach.occurrence_date and breach.occurrence_date > breach.discovery_date:
                raise ValidationError(_("A breach cannot occur after its discovery."))
            for date in (breach.pcpd_notified_date, breach.subjects_notified_date):
                if date and date < breach.discovery_date:
                    raise ValidationError(_("A notification cannot precede the discovery."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("crm.privacy.breach") or "/"
        return super().create(vals_list)

    def _set_state(self, state):
        """The state follows the buttons' checks only (system-set field)."""
        self.check_access("write")
        self._crm_system_write().write({"state": state})

    def action_contained(self):
        for breach in self:
            if not breach.containment_steps:
                raise UserError(_("Record the containment steps first."))
        self._set_state("contained")

    def action_assessed(self):
        for breach in self:
            if not (breach.risk_level and breach.risk_rationale):
                raise UserError(_("Assess the risk of harm and give its rationale."))
        self._set_state("assessed")

    def action_notified(self):
        for breach in self:
            if breach.notify_pcpd and not breach.pcpd_notified_date:
                raise UserError(_("Record when the PCPD was notified."))
            if breach.notify_subjects and not breach.subjects_notified_date:
                raise UserError(_("Record when the data subjects were notified."))
        self._set_state("notified")

    def action_close(self):
        for breach in self:
            if not breach.risk_level:
                raise UserError(_("A breach is closed only after its risk assessment."))
            if breach.risk_level == "high" and not (
                breach.notify_pcpd or breach.notification_rationale
            ):
                raise UserError(
                    _(
                        "A high-risk breach should be notified to the PCPD, or the reason for not "
                        "notifying recorded."
                    )
                )
            if breach.notify_pcpd and not breach.pcpd_notified_date:
                raise UserError(_("Record when the PCPD was notified."))
        self._set_state("closed")
