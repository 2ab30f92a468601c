from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResUsers(models.Model):
    _inherit = "res.users"

    crm_export_budget = fields.Integer(
        string="Personal-Data Budget",
        groups="base.group_system,crm_privacy_pdpo.group_privacy_officer",
        help="Records of personal data this user may take out (exports, reads past a page, "
        "report downloads, API summaries) per budget window without an approved export "
        "request. 0: the company-wide default (crm_privacy_pdpo.export_approval_limit). "
        "Give systems such as a call centre's integration user a budget that fits their "
        "daily volume.",
    )

    @api.constrains("crm_export_budget")
    def _check_crm_export_budget(self):
        if any(user.crm_export_budget < 0 for user in self):
            raise ValidationError(_("The personal-data budget cannot be negative."))
