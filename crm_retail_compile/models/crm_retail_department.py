from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CrmRetailDepartment(models.Model):
    _name = "crm.retail.department"
    _description = "Retail CRM Department"
    _order = "sequence, id"

    code = fields.Selection(
        [
            ("sales", "Sales"),
            ("marketing", "Marketing"),
            ("promotion", "Promotion"),
            ("planning", "Planning"),
            ("hr", "Human Resources"),
            ("finance", "Finance"),
            ("service", "Customer Service"),
            ("management", "Management"),
            ("other", "Other"),
        ],
        required=True,
        default="other",
    )
    name = fields.Char(required=True, translate=True)
    clearance = fields.Selection(
        [
            ("public", "Public"),
            ("internal", "Internal"),
            ("confidential", "Confidential"),
            ("restricted", "Restricted"),
        ],
        required=True,
        default="internal",
        help="Most sensitive personal data (per the privacy classification) the department's "
        "reports may contain. Below Confidential, customer-level rows are pseudonymised.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    member_ids = fields.One2many("res.users", "retail_department_id", string="Members")
    member_count = fields.Integer(compute="_compute_member_count")

    _sql_constraints = [
        ("name_uniq", "unique(name)", "A department with this name already exists."),
    ]

    @api.depends("member_ids")
    def _compute_member_count(self):
        for department in self:
            department.member_count = len(department.member_ids)

    @api.constrains("code")
    def _check_code_unique(self):
        counts = dict(
            self.with_context(active_test=False)._read_group(
                [("code", "in", self.mapped("code")), ("code", "!=", "other")],
                ["code"],
                ["__count"],
            )
        )
        if any(count > 1 for count in counts.values()):
            raise ValidationError(_("Each department code can be used by one department only."))
