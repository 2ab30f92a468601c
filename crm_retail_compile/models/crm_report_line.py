import json

from odoo import api, fields, models
from odoo.tools import SQL


class CrmReportLine(models.Model):
    """A row of a compiled report, kept so the query tool can show results in
    Odoo's pivot, graph and list views. Slots are generic; the run's columns
    give them their labels (see ``fields_get`` and ``_get_view``)."""

    _name = "crm.report.line"
    _description = "Report Result Line"
    _order = "run_id, sequence"
    _log_access = False

    run_id = fields.Many2one(
        "crm.report.run",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
        crm_system=True,
    )
    sequence = fields.Integer(readonly=True, crm_system=True)
    period = fields.Date(readonly=True, crm_system=True)
    customer = fields.Char(readonly=True, crm_system=True)
    dim_1 = fields.Char(string="Dimension 1", readonly=True, crm_system=True)
    dim_2 = fields.Char(string="Dimension 2", readonly=True, crm_system=True)
    dim_3 = fields.Char(string="Dimension 3", readonly=True, crm_system=True)
    dim_4 = fields.Char(string="Dimension 4", readonly=True, crm_system=True)
    dim_5 = fields.Char(string="Dimension 5", readonly=True, crm_system=True)
    dim_6 = fields.Char(string="Dimension 6", readonly=True, crm_system=True)
    m_1 = fields.Float(string="Measure 1", readonly=True, crm_system=True)
    m_2 = fields.Float(string="Measure 2", readonly=True, crm_system=True)
    m_3 = fields.Float(string="Measure 3", readonly=True, crm_system=True)
    m_4 = fields.Float(string="Measure 4", readonly=True, crm_system=True)
    m_5 = fields.Float(string="Measure 5", readonly=True, crm_system=True)
    m_6 = fields.Float(string="Measure 6", readonly=True, crm_system=True)
    m_7 = fields.Float(string="Measure 7", readonly=True, crm_system=True)
    m_8 = fields.Float(string="Measure 8", readonly=True, crm_system=True)

    @api.model
    def _run_labels(self):
        """{slot: label} of the run in the context (crm_report_run_id)."""
        run_id = self.env.context.get("crm_report_run_id")
        if not isinstance(run_id, int):
            return {}
        run = self.env["crm.report.run"].browse(run_id).exists()
        if not run:
            return {}
        run.check_access("read")
        labels, dim, measure = {}, 0, 0
        for code, label, kind in json.loads(run.columns_json or "[]"):
            if code in ("period", "customer"):
                labels[code] = label if code == "customer" else label.title()
            elif kind in ("monetary", "number", "percent"):
                measure += 1
                labels[f"m_{measure}"] = label
            else:
                dim += 1
                labels[f"dim_{dim}"] = label
        return labels

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        result = super().fields_get(allfields, attributes)
        for fname, label in self._run_labels().items():
            if fname in result:
                result[fname]["string"] = label
        return result

    @api.model
    def _get_view_cache_key(self, view_id=None, view_type="form", **options):
        key = super()._get_view_cache_key(view_id, view_type, **options)
        return (*key, self.env.context.get("crm_report_run_id"))

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        labels = self._run_labels()
        if labels and view_type in ("pivot", "graph", "list"):
            used = set(labels)
            for node in arch.xpath("//field"):
                name = node.get("name")
                if name in labels:
                    node.set("string", labels[name])
                elif name != "run_id" and (
                    name.startswith(("dim_", "m_")) or name in ("period", "customer")
                ):
                    if view_type == "list":
                        node.set("column_invisible", "1")
                    else:
                        node.getparent().remove(node)
            # the first dimension as pivot row, measures as measures
            if view_type == "pivot" and "dim_1" in used:
                for node in arch.xpath("//field[@name='dim_1']"):
                    node.set("type", "row")
        return arch, view

    def init(self):
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS crm_report_line_run_seq_idx "
                "ON crm_report_line (run_id, sequence)"
            )
        )
