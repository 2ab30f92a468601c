"""The dimensions and measures of the report datasets, as records to pick.

The datasets are code (``crm.report.template._get_datasets()``, extended by
each installed add-on); the query tool offers their dimensions and measures
in lists with labels in the reader's language, and only those of the chosen
dataset. This model mirrors the datasets: ``_sync_from_datasets`` adds the
codes a dataset gained and archives those it lost, on every install or
update of the module and whenever the query tool finds them out of step
(an add-on installed since). Nobody writes these records but that method.
"""

from odoo import api, fields, models

from ..lib import report_engine

PDF_REPORT = "report.crm_retail_compile.report_crm_report_run"


class CrmReportField(models.Model):
    _name = "crm.report.field"
    _description = "Report Dimension or Measure"
    _order = "dataset, kind, sequence, id"
    _rec_names_search = ["label", "code"]

    dataset = fields.Char(required=True, readonly=True, index=True)
    kind = fields.Selection(
        [("dimension", "Dimension"), ("measure", "Measure")], required=True, readonly=True
    )
    code = fields.Char(required=True, readonly=True)
    # the engine's English label; shown translated (display_name)
    label = fields.Char(required=True, readonly=True)
    value_type = fields.Selection(
        [
            ("char", "Text"),
            ("date", "Date"),
            ("monetary", "HK$"),
            ("percent", "Percentage"),
            ("integer", "Count"),
            ("number", "Number"),
        ],
        string="Type",
        readonly=True,
    )
    is_ratio = fields.Boolean(
        readonly=True, help="Recomputed from its parts at every level, never added up."
    )
    sequence = fields.Integer(readonly=True)
    active = fields.Boolean(default=True, readonly=True)

    _sql_constraints = [
        (
            "code_uniq",
            "unique(dataset, kind, code)",
            "A dataset has one dimension or measure of each code.",
        ),
    ]

    @api.depends("label")
    @api.depends_context("lang")
    def _compute_display_name(self):
        Summary = self.env[PDF_REPORT]
        for record in self:
            record.display_name = Summary._label(record.label) if record.label else record.code

    @api.model
    def _search_display_name(self, operator, value):
        """Find a dimension or measure by its label in the reader's language
        too (the stored label is the engine's English one)."""
        domain = super()._search_display_name(operator, value)
        if operator not in ("ilike", "=ilike", "like", "=") or not isinstance(value, str):
            return domain
        if not value or (self.env.lang or "en_US") == "en_US":
            return domain
        Summary = self.env[PDF_REPORT]
        needle = value.lower()
        labels = {
            record.id: Summary._label(record.label)
            for record in self.sudo().with_context(active_test=False).search_fetch([], ["label"])
        }
        ids = [rid for rid, label in labels.items() if needle in (label or "").lower()]
        return ["|", ("id", "in", ids), *domain] if ids else domain

    @api.model
    def _expected(self):
        """{(dataset, kind, code): values} of the datasets of this database."""
        template = self.env["crm.report.template"]
        expected = {}
        for dataset_code, dataset in template._get_datasets().items():
            resolver = _TypeResolver(self.env, dataset.model)
            for sequence, (code, dim) in enumerate(dataset.dimensions.items()):
                expected[(dataset_code, "dimension", code)] = {
                    "label": dim.label,
                    "value_type": "char",
                    "is_ratio": False,
                    "sequence": sequence,
                }
            for sequence, (code, measure) in enumerate(dataset.measures.items()):
                expected[(dataset_code, "measure", code)] = {
                    "label": measure.label,
                    "value_type": report_engine.measure_kind(measure, resolver.field_type),
                    "is_ratio": report_engine.measure_aggregation(measure) == "ratio",
                    "sequence": sequence,
                }
        return expected

    @api.model
    def _sync_from_datasets(self):
        """Mirror the datasets: create what is new, update what changed,
        archive what is gone. Cheap when nothing changed (one read)."""
        expected = self._expected()
        Field = self.sudo().with_context(active_test=False)
        existing = {
            (r.dataset, r.kind, r.code): r
            for r in Field.search_fetch(
                [], ["dataset", "kind", "code", "label", "value_type", "is_ratio", "sequence"]
            )
        }
        to_create = []
        for key, vals in expected.items():
            record = existing.get(key)
            if record is None:
                to_create.append(dict(vals, dataset=key[0], kind=key[1], code=key[2]))
                continue
            changed = {k: v for k, v in vals.items() if record[k] != v}
            if not record.active:
                changed["active"] = True
            if changed:
                record.write(changed)
        gone = Field.browse(
            [r.id for key, r in existing.items() if key not in expected and r.active]
        )
        if gone:
            gone.write({"active": False})
        if to_create:
            Field.create(to_create)
        return True

    @api.model
    def _for_codes(self, dataset, kind, codes):
        """The records of ``codes`` (a list, in order) of a dataset; a code
        the dataset does not have is left out (see the query tool's check)."""
        records = self.search(
            [("dataset", "=", dataset), ("kind", "=", kind), ("code", "in", codes)]
        )
        by_code = {r.code: r for r in records}
        return self.browse([by_code[c].id for c in codes if c in by_code])


class _TypeResolver:
    """Odoo type of a dataset's field path (integer sums are counts)."""

    def __init__(self, env, model):
        self.env, self.model = env, model

    def field_type(self, path):
        model = self.env.get(self.model)
        if model is None:
            return None
        for name in path.split(".")[:-1]:
            field = model._fields.get(name)
            if not field or not field.relational:
                return None
            model = self.env[field.comodel_name]
        field = model._fields.get(path.split(".")[-1])
        return field.type if field else None
