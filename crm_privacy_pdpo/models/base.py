from odoo import _, api, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.models import fix_import_export_id_paths, parse_read_group_spec
from odoo.tools import SQL

# Unforgeable marker of a write made by the suite's own code: a context value
# that no XML-RPC or JSON client can send (see _crm_system_write).
_SYSTEM_WRITE = object()
# Unforgeable marker of an export that the web export controller already
# charged as a whole (crm_privacy_pdpo/controllers/export.py)
EXPORT_CHARGED_KEY = "crm_privacy_export_charged"
EXPORT_CHARGED = object()


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
    # Personal-data export budget (see crm.privacy.export.log._charge) and
    # department clearance on exports
    # ------------------------------------------------------------------
    def _crm_privacy_export_paths(self, field_paths):
        """``(personal, hidden)`` of export paths such as ``partner_id/email``:
        whether one of them ends in or goes through a classified field, and
        the paths through a field above the user's clearance cap."""
        Classification = self.env["crm.privacy.field.classification"]
        registry = Classification._get_registry_map()
        personal, hidden = False, []
        for path in field_paths:
            model = self
            for part in fix_import_export_id_paths(path):
                field = model._fields.get(part)
                if field is None:
                    break
                if part in registry.get(model._name, ()):
                    personal = True
                    if part in Classification._get_hidden_fields(model._name):
                        hidden.append(path)
                        break
                if not field.relational:
                    break
                model = self.env[field.comodel_name]
        return personal, hidden

    def _crm_privacy_refuse_hidden(self, names):
        raise AccessError(
            _(
                "Your department's privacy clearance does not allow reading %(fields)s of "
                "%(model)s.",
                fields=", ".join(names),
                model=self._description,
            )
        )

    def export_data(self, fields_to_export):
        """Charge exports of personal data to the user's export budget (all
        chunks add up); fields above an analyst's clearance are refused."""
        personal, hidden = self._crm_privacy_export_paths(fields_to_export)
        if hidden:
            self._crm_privacy_refuse_hidden(hidden)
        if personal and self.env.context.get(EXPORT_CHARGED_KEY) is not EXPORT_CHARGED:
            self.env["crm.privacy.export.log"]._charge(
                self._name, self.ids, fields_to_export, kind="list_export"
            )
        return super().export_data(fields_to_export)

    # ------------------------------------------------------------------
    # Reads of classified fields: reads of more than a page (or a page past
    # the first one) are charged to the export budget; fields above an
    # analyst's department clearance read as False and do not match in
    # searches, groupings and orderings.
    # ------------------------------------------------------------------
    @api.model
    @api.readonly
    def search_read(
        self, domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs
    ):
        records = self.with_context(crm_privacy_paged_model=self._name) if offset else self
        return super(Base, records).search_read(
            domain=domain, fields=fields, offset=offset, limit=limit, order=order, **read_kwargs
        )

    @api.model
    @api.readonly
    def web_search_read(
        self, domain, specification, offset=0, limit=None, order=None, count_limit=None
    ):
        records = self.with_context(crm_privacy_paged_model=self._name) if offset else self
        return super(Base, records).web_search_read(
            domain, specification, offset=offset, limit=limit, order=order, count_limit=count_limit
        )

    def _read_format(self, fnames, load="_classic_read"):
        if self.env.su or not fnames or not self._ids:
            return super()._read_format(fnames, load=load)
        Classification = self.env["crm.privacy.field.classification"]
        classified = Classification._get_registry_map().get(self._name)
        personal = [fname for fname in fnames if fname in classified] if classified else None
        if not personal:
            return super()._read_format(fnames, load=load)
        ExportLog = self.env["crm.privacy.export.log"]
        if (
            len(self._ids) > ExportLog._get_read_page_size()
            or self.env.context.get("crm_privacy_paged_model") == self._name
        ):
            ExportLog._charge(self._name, self._ids, personal, kind="read")
        result = super()._read_format(fnames, load=load)
        hidden = Classification._get_hidden_fields(self._name).intersection(personal)
        if hidden:
            for vals in result:
                for fname in hidden:
                    if fname in vals:
                        vals[fname] = False
        return result

    def _crm_privacy_hidden(self, fname):
        return not self.env.su and fname in self.env[
            "crm.privacy.field.classification"
        ]._get_hidden_fields(self._name)

    def _condition_to_sql(self, alias, fname, operator, value, query):
        if self._crm_privacy_hidden(fname):
            return SQL("FALSE")  # matches nothing: no oracle on the hidden value
        return super()._condition_to_sql(alias, fname, operator, value, query)

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        if self._crm_privacy_hidden(field_name.split(".", 1)[0]):
            return SQL()
        return super()._order_field_to_sql(alias, field_name, direction, nulls, query)

    def _read_group_groupby(self, groupby_spec, query):
        fname = parse_read_group_spec(groupby_spec)[0]
        if self._crm_privacy_hidden(fname):
            self._crm_privacy_refuse_hidden([self._fields[fname].string])
        return super()._read_group_groupby(groupby_spec, query)

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec != "__count" and not self.env.su:
            fname, _prop, func = parse_read_group_spec(aggregate_spec)
            if self._crm_privacy_hidden(fname):
                self._crm_privacy_refuse_hidden([self._fields[fname].string])
            if (
                func
                and func.startswith("array_agg")
                and fname
                in self.env["crm.privacy.field.classification"]._get_classified_fields(self._name)
            ):
                # every value of a classified field in one cell: a bulk read
                raise AccessError(
                    _(
                        "Personal data (%(field)s of %(model)s) cannot be aggregated into "
                        "lists; read or export the records instead.",
                        field=self._fields[fname].string,
                        model=self._description,
                    )
                )
        return super()._read_group_select(aggregate_spec, query)

    @api.model
    def _read_group(
        self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None
    ):
        """Groups keyed by (or aggregating) classified fields are a read of
        them: more than a page of groups, or a page past the first one, is
        charged to the export budget (one unit per group)."""
        result = super()._read_group(
            domain, groupby, aggregates, having=having, offset=offset, limit=limit, order=order
        )
        if self.env.su or not result:
            return result
        classified = (
            self.env["crm.privacy.field.classification"]._get_registry_map().get(self._name)
        )
        if not classified:
            return result
        names = {parse_read_group_spec(spec)[0] for spec in groupby}
        names.update(parse_read_group_spec(spec)[0] for spec in aggregates if spec != "__count")
        touched = sorted(names.intersection(classified))
        ExportLog = self.env["crm.privacy.export.log"]
        if touched and (offset or len(result) > ExportLog._get_read_page_size()):
            ExportLog._charge(self._name, len(result), touched, kind="read")
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
