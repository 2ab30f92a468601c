from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import safe_eval

from .crm_privacy_field_classification import DATA_CATEGORIES


class CrmPrivacyRetentionPolicy(models.Model):
    """How long a kind of record is kept before it is anonymised or deleted (s.26)."""

    _name = "crm.privacy.retention.policy"
    _description = "Retention Policy"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    model_id = fields.Many2one("ir.model", string="Record Type", required=True, ondelete="cascade")
    model = fields.Char(related="model_id.model", store=True)
    data_category = fields.Selection(DATA_CATEGORIES, default="contact")
    months = fields.Integer(string="Keep (months)", required=True, default=24)
    date_field = fields.Char(
        string="Last Activity Field",
        required=True,
        default="write_date",
        help="Date or datetime field giving the last activity of a record.",
    )
    domain = fields.Char(default="[]", help="Records the policy applies to.")
    action = fields.Selection(
        [("anonymise", "Anonymise"), ("delete", "Delete")],
        required=True,
        default="anonymise",
    )
    reason = fields.Char(
        translate=True, help="Why the data is no longer required (shown in dry runs)."
    )

    @api.constrains("months", "date_field", "model_id", "domain")
    def _check_policy(self):
        for policy in self:
            if policy.months < 0:
                raise ValidationError(_("The retention period cannot be negative."))
            Model = self.env.get(policy.model_id.model)
            if Model is None:
                continue
            if policy.action == "anonymise" and "crm_anonymised" not in Model._fields:
                raise ValidationError(
                    _(
                        "%(model)s cannot be anonymised: choose deletion.",
                        model=policy.model_id.model,
                    )
                )
            field = Model._fields.get(policy.date_field)
            if not field or field.type not in ("date", "datetime") or not field.store:
                raise ValidationError(
                    _(
                        "%(field)s is not a stored date field of %(model)s.",
                        field=policy.date_field,
                        model=policy.model_id.model,
                    )
                )
            try:
                Model._where_calc(policy._get_domain())
            except Exception as error:  # any bad domain is a user error
                raise ValidationError(_("Invalid domain: %(error)s", error=error)) from error

    def _get_domain(self):
        self.ensure_one()
        domain = safe_eval(self.domain or "[]")
        if not isinstance(domain, list):
            raise ValidationError(_("The domain must be a list."))
        return domain

    def _get_cutoff(self):
        return fields.Datetime.now() - relativedelta(months=self.months)

    def _get_candidates(self, limit=None):
        """Expired records not yet processed, minus held and protected ones.

        Returns (records, {record id: reason why it is kept}).
        """
        self.ensure_one()
        Model = self.env[self.model].sudo().with_context(active_test=False)
        cutoff = self._get_cutoff()
        domain = self._get_domain() + [
            "|",
            (self.date_field, "<", cutoff),
            (self.date_field, "=", False),
        ]
        if self.action == "anonymise" and "crm_anonymised" in Model._fields:
            domain.append(("crm_anonymised", "=", False))
        records = Model.search(domain, order="id")
        return records._crm_privacy_retention_filter(self, cutoff, limit=limit)
