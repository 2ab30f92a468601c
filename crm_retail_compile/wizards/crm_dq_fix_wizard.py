from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import data_quality as dq
from ..models.crm_dq_rule import FIX_FIELDS

FIELD_CHOICES = [
    ("phone", "Phone"),
    ("mobile", "Mobile"),
    ("email", "E-mail"),
    ("name", "Name"),
    ("district_id", "District"),
]


class CrmDqFixWizard(models.TransientModel):
    """Correct the customer field an issue is about, from the issue.

    The correction is a write of the customer by the user (their access
    rights and record rules, and the customer's validation: a bad phone
    number is refused with what good looks like); the rule is then checked
    again on that customer and the issue resolved when it no longer
    violates it.
    """

    _name = "crm.dq.fix.wizard"
    _description = "Correct a Data Quality Issue"

    issue_id = fields.Many2one("crm.dq.issue", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one(related="issue_id.partner_id", string="Customer")
    rule_name = fields.Char(related="issue_id.rule_id.name", string="Rule")
    explanation_problem = fields.Text(related="issue_id.explanation_problem")
    explanation_good = fields.Text(related="issue_id.explanation_good")
    allowed_fields = fields.Char(compute="_compute_allowed_fields")
    field_name = fields.Selection(FIELD_CHOICES, string="Field to Correct", required=True)
    current_value = fields.Char(compute="_compute_current_value")
    new_value = fields.Char(string="Correct Value")
    district_id = fields.Many2one("crm.hk.district", string="Correct District")

    @api.depends("issue_id")
    def _compute_allowed_fields(self):
        for wizard in self:
            wizard.allowed_fields = ",".join(FIX_FIELDS.get(wizard.issue_id.rule_id.check, ()))

    @api.depends("issue_id", "field_name")
    def _compute_current_value(self):
        for wizard in self:
            partner = wizard.issue_id.partner_id
            if not partner or not wizard.field_name:
                wizard.current_value = False
                continue
            value = partner[wizard.field_name]
            wizard.current_value = (
                value.display_name if wizard.field_name == "district_id" else value
            )

    @api.model_create_multi
    def create(self, vals_list):
        issues = self.env["crm.dq.issue"].browse(
            [vals["issue_id"] for vals in vals_list if vals.get("issue_id")]
        )
        issues.check_access("read")
        for vals in vals_list:
            if vals.get("issue_id") and not vals.get("field_name"):
                vals["field_name"] = self._default_field(issues.browse(vals["issue_id"]))
        return super().create(vals_list)

    @api.model
    def _default_field(self, issue):
        """The field to propose: the first allowed one, or for an invalid
        phone rule, the number that is invalid."""
        allowed = FIX_FIELDS.get(issue.rule_id.check)
        if not allowed:
            raise UserError(_("This issue cannot be corrected here: open the record."))
        if issue.rule_id.check == "invalid_phone":
            for fname in allowed:
                if not dq.is_valid_phone(issue.partner_id[fname]):
                    return fname
        return allowed[0]

    def action_apply(self):
        self.ensure_one()
        issue = self.issue_id
        issue.check_access("write")
        if not issue.can_fix:
            raise UserError(_("This issue is no longer open or cannot be corrected here."))
        allowed = FIX_FIELDS[issue.rule_id.check]
        if self.field_name not in allowed:
            labels = dict(self._fields["field_name"]._description_selection(self.env))
            raise UserError(
                _(
                    "For this issue, correct: %(fields)s.",
                    fields=", ".join(labels[f] for f in allowed),
                )
            )
        if self.field_name == "district_id":
            value = self.district_id.id
        else:
            value = (self.new_value or "").strip()
        if not value:
            raise UserError(
                _("Enter the correct value: %(good)s", good=issue.explanation_good or "")
            )
        # the user's own write: their rights, the customer's validation
        issue.partner_id.write({self.field_name: value})
        if issue._resolve_if_fixed():
            message, kind = _("Corrected: the issue is resolved."), "success"
        else:
            message = _(
                "Saved, but the customer still breaks the rule %(rule)s: %(good)s",
                rule=issue.rule_id.name,
                good=issue.explanation_good or "",
            )
            kind = "warning"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": kind,
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
