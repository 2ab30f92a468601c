from odoo import _, models
from odoo.exceptions import UserError


class Base(models.AbstractModel):
    _inherit = "base"

    # ------------------------------------------------------------------
    # Export logging and approval of bulk exports of personal data
    # ------------------------------------------------------------------
    def export_data(self, fields_to_export):
        """Log exports of classified (personal-data) models; bulk ones need approval."""
        Classification = self.env["crm.privacy.field.classification"]
        if not Classification._is_personal_model(self._name):
            return super().export_data(fields_to_export)
        ExportLog = self.env["crm.privacy.export.log"]
        approval = ExportLog._check_export_allowed(self._name, len(self))
        result = super().export_data(fields_to_export)
        ExportLog._log_export(
            self._name,
            self.ids,
            fields_to_export,
            kind="list_export",
            purpose=approval.purpose
            if approval
            else self.env.context.get("crm_privacy_export_purpose", _("List export")),
            approval=approval,
        )
        return result

    # ------------------------------------------------------------------
    # Retention hooks (see crm.privacy.retention.policy)
    # ------------------------------------------------------------------
    def _crm_privacy_retention_filter(self, policy, cutoff, limit=None):
        """Candidates among ``self`` and {id: reason kept}; models refine it."""
        return (self[:limit] if limit else self), {}

    def _crm_privacy_retention_apply(self, policy):
        if not self:
            return
        if policy.action == "delete":
            self.sudo().with_context(crm_privacy_retention=True).unlink()
        else:
            self.sudo()._crm_privacy_anonymise()

    def _crm_privacy_anonymise(self):
        """Generic anonymisation: clear the classified fields of the records."""
        classified = self.env["crm.privacy.field.classification"]._get_classified_fields(self._name)
        vals = {}
        for fname, (_cat, _sens, anonymise) in classified.items():
            field = self._fields.get(fname)
            if anonymise and field and field.store and not field.required:
                vals[fname] = False
        if "crm_anonymised" in self._fields:
            vals["crm_anonymised"] = True
        if not vals:
            raise UserError(_("Nothing to anonymise on %(model)s.", model=self._name))
        self.write(vals)
        return self
