import json

from odoo.http import request

from odoo.addons.web.controllers.export import CSVExport, ExcelExport

from ..lib.spreadsheet_safety import safe_cell, safe_row
from ..models.base import EXPORT_CHARGED, EXPORT_CHARGED_KEY


def _safe_group_name(name):
    if isinstance(name, tuple):
        return tuple(safe_cell(part) for part in name)
    return safe_cell(name)


def _neutralise_groups(node):
    """Formula-looking text in a grouped export (rows and group names) is
    neutralised in place, the whole tree."""
    node.data = [safe_row(row) for row in node.data]
    children = list(node.children.items())
    node.children.clear()
    for name, child in children:
        _neutralise_groups(child)
        node.children[_safe_group_name(name)] = child


class _ExportBudgetMixin:
    """The web client's exports (``/web/export/xlsx`` and ``/web/export/csv``,
    flat or grouped) are charged to the export budget once, as a whole,
    before Odoo builds the file: a grouped export is not checked group by
    group. Their cells are neutralised like every spreadsheet of the suite."""

    def _crm_privacy_charge_export(self, data):
        try:
            params = json.loads(data)
            model = params["model"]
            field_names = [field["name"] for field in params["fields"]]
        except (TypeError, ValueError, KeyError):
            return  # Odoo's own code answers the malformed request
        if not isinstance(model, str) or model not in request.env:
            return
        Model = request.env[model].with_context(
            import_compat=params.get("import_compat"), **(params.get("context") or {})
        )
        personal, hidden = Model._crm_privacy_export_paths(field_names)
        if hidden:
            Model._crm_privacy_refuse_hidden(hidden)
        if not personal:
            return
        ids = params.get("ids")
        if ids:
            records = Model.with_context(active_test=False).browse(ids)
        else:
            records = Model.search(params.get("domain") or [])
        request.env["crm.privacy.export.log"]._charge(
            model, records.ids, field_names, kind="list_export"
        )
        # the export_data calls below (one per group) are covered
        request.update_context(**{EXPORT_CHARGED_KEY: EXPORT_CHARGED})

    def base(self, data):
        self._crm_privacy_charge_export(data)
        return super().base(data)

    # Odoo's writers turn text such as =HYPERLINK(...) (a customer's name,
    # say) into a live formula (XLSX) or leave @... as it is (CSV): every
    # cell goes through the suite's spreadsheet-safety rule first.
    def from_data(self, fields, columns_headers, rows):
        return super().from_data(fields, columns_headers, [safe_row(row) for row in rows])

    def from_group_data(self, fields, columns_headers, groups):
        _neutralise_groups(groups)
        return super().from_group_data(fields, columns_headers, groups)


class CrmPrivacyExcelExport(_ExportBudgetMixin, ExcelExport):
    pass


class CrmPrivacyCSVExport(_ExportBudgetMixin, CSVExport):
    pass
