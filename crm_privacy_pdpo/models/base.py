from odoo import _, api, models, tools
from odoo.exceptions import AccessError, UserError

# Unforgeable marker of a write made by the suite's own code: a context value
# that no XML-RPC or JSON client can send (see _crm_system_write).
_SYSTEM_WRITE = object()


class Base(models.AbstractModel):
    _inherit = "base"

    # ------------------------------------------------------------------
    # System-set fields: ``fields.X(..., crm_system=True)`` marks a field
    # that only the suite's own code sets (states driven by buttons, report
    # outputs, checksums, approvals). ``readonly=True`` only protects the
    # form; this refuses the value on create, write and context defaults
    # from any client, and a copy starts them afresh.
    # ------------------------------------------------------------------
    def _valid_field_parameter(self, field, name):
        return name == "crm_system" or super()._valid_field_parameter(field, name)

    @tools.ormcache()
    def _crm_system_field_names(self):
        return frozenset(
            name for name, field in self._fields.items() if getattr(field, "crm_system", False)
        )

    def _crm_system_write(self):
        """``self`` in an environment allowed to set system-set fields.

        Use it in the method that performed its own checks, right before
        the write: ``self._crm_system_write().write({"state": "done"})``."""
        return self.with_context(crm_system_write=_SYSTEM_WRITE)

    def _crm_is_system_write(self):
        return self.env.su or self.env.context.get("crm_system_write") is _SYSTEM_WRITE

    @api.model
    def _crm_check_system_fields(self, vals_list):
        names = self._crm_system_field_names()
        if not names or self._crm_is_system_write():
            return
        given = {name for vals in vals_list for name in vals if name in names}
        given |= {
            key[len("default_") :]
            for key in self.env.context
            if key.startswith("default_") and key[len("default_") :] in names
        }
        if given:
            labels = ", ".join(sorted(self._fields[name].string for name in given))
            raise AccessError(
                _(
                    "%(fields)s of %(model)s are set by the system and cannot be written.",
                    fields=labels,
                    model=self._description,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._crm_check_system_fields(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._crm_check_system_fields([vals])
        return super().write(vals)

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        names = self._crm_system_field_names()
        if names and not self._crm_is_system_write():
            vals_list = [
                {key: value for key, value in vals.items() if key not in names}
                for vals in vals_list
            ]
        return vals_list

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
