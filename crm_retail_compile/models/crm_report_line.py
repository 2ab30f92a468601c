import json

from lxml import etree

from odoo import api, fields, models
from odoo.tools import SQL

# the column kinds of a run as field types of the result views
FIELD_TYPES = {"monetary": "float", "percent": "float", "number": "float", "integer": "integer"}


class CrmReportLine(models.Model):
    """A row of a compiled report, kept so that the pivot, graph and list
    views, the PDF and the files read one typed result.

    Each run gives the slots its own columns (``crm.report.run._column_specs``):
    label in the reader's language, type (HK$, percentage, count, number,
    date, text) and aggregation. A ratio (margin %, average basket) or an
    average keeps its numerator and denominator in hidden slots
    (``n_<k>``, ``d_<k>``): at every level of a pivot the ratio is
    SUM(numerator) / SUM(denominator), never a sum of ratios
    (``_read_group_select``). A distinct count (customers) is exact on a
    row and in the grand total (computed by the engine over the whole
    result); a subtotal combining several rows is left empty, since the
    rows' counts cannot be added up.
    """

    _name = "crm.report.line"
    _description = "Report Result Line"
    _order = "run_id, sequence"
    _log_access = False

    # one slot per dimension and per measure a result holds:
    # report_engine.MAX_DIMENSIONS and MAX_MEASURES (10 each)

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
    has_unknown = fields.Boolean(
        string="Has Unknown Values",
        readonly=True,
        crm_system=True,
        help="A dimension of this row has no value (shown as Unknown).",
    )
    dim_1 = fields.Char(string="Dimension 1", readonly=True, crm_system=True)
    dim_2 = fields.Char(string="Dimension 2", readonly=True, crm_system=True)
    dim_3 = fields.Char(string="Dimension 3", readonly=True, crm_system=True)
    dim_4 = fields.Char(string="Dimension 4", readonly=True, crm_system=True)
    dim_5 = fields.Char(string="Dimension 5", readonly=True, crm_system=True)
    dim_6 = fields.Char(string="Dimension 6", readonly=True, crm_system=True)
    dim_7 = fields.Char(string="Dimension 7", readonly=True, crm_system=True)
    dim_8 = fields.Char(string="Dimension 8", readonly=True, crm_system=True)
    dim_9 = fields.Char(string="Dimension 9", readonly=True, crm_system=True)
    dim_10 = fields.Char(string="Dimension 10", readonly=True, crm_system=True)
    m_1 = fields.Float(string="Measure 1", readonly=True, crm_system=True)
    m_2 = fields.Float(string="Measure 2", readonly=True, crm_system=True)
    m_3 = fields.Float(string="Measure 3", readonly=True, crm_system=True)
    m_4 = fields.Float(string="Measure 4", readonly=True, crm_system=True)
    m_5 = fields.Float(string="Measure 5", readonly=True, crm_system=True)
    m_6 = fields.Float(string="Measure 6", readonly=True, crm_system=True)
    m_7 = fields.Float(string="Measure 7", readonly=True, crm_system=True)
    m_8 = fields.Float(string="Measure 8", readonly=True, crm_system=True)
    m_9 = fields.Float(string="Measure 9", readonly=True, crm_system=True)
    m_10 = fields.Float(string="Measure 10", readonly=True, crm_system=True)
    # ratio parts: numerator (times the ratio's factor) and denominator
    n_1 = fields.Float(string="Numerator 1", readonly=True, crm_system=True)
    d_1 = fields.Float(string="Denominator 1", readonly=True, crm_system=True)
    n_2 = fields.Float(string="Numerator 2", readonly=True, crm_system=True)
    d_2 = fields.Float(string="Denominator 2", readonly=True, crm_system=True)
    n_3 = fields.Float(string="Numerator 3", readonly=True, crm_system=True)
    d_3 = fields.Float(string="Denominator 3", readonly=True, crm_system=True)
    n_4 = fields.Float(string="Numerator 4", readonly=True, crm_system=True)
    d_4 = fields.Float(string="Denominator 4", readonly=True, crm_system=True)
    n_5 = fields.Float(string="Numerator 5", readonly=True, crm_system=True)
    d_5 = fields.Float(string="Denominator 5", readonly=True, crm_system=True)
    n_6 = fields.Float(string="Numerator 6", readonly=True, crm_system=True)
    d_6 = fields.Float(string="Denominator 6", readonly=True, crm_system=True)
    n_7 = fields.Float(string="Numerator 7", readonly=True, crm_system=True)
    d_7 = fields.Float(string="Denominator 7", readonly=True, crm_system=True)
    n_8 = fields.Float(string="Numerator 8", readonly=True, crm_system=True)
    d_8 = fields.Float(string="Denominator 8", readonly=True, crm_system=True)
    n_9 = fields.Float(string="Numerator 9", readonly=True, crm_system=True)
    d_9 = fields.Float(string="Denominator 9", readonly=True, crm_system=True)
    n_10 = fields.Float(string="Numerator 10", readonly=True, crm_system=True)
    d_10 = fields.Float(string="Denominator 10", readonly=True, crm_system=True)

    # ------------------------------------------------------------------
    # the run's columns
    # ------------------------------------------------------------------
    @api.model
    def _context_run(self):
        """The run of the result views (context ``crm_report_run_id``),
        after checking that the user may read it."""
        # the web client passes get_views only "lang" and "*_view_ref"
        # context keys: the views find the run under crm_report_run_view_ref
        run_id = self.env.context.get("crm_report_run_id") or self.env.context.get(
            "crm_report_run_view_ref"
        )
        if not isinstance(run_id, int) or isinstance(run_id, bool):
            return None
        run = self.env["crm.report.run"].browse(run_id).exists()
        if not run:
            return None
        run.check_access("read")
        return run

    @api.model
    def _run_columns(self):
        """{slot: column spec} of the run in the context (see
        ``crm.report.run._column_specs``), labels in the reader's language."""
        run = self._context_run()
        if not run:
            return {}
        return {spec["slot"]: spec for spec in run._column_specs() if spec["slot"]}

    @api.model
    def _is_part(self, fname):
        return fname[:2] in ("n_", "d_") and fname[2:].isdigit()

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        result = super().fields_get(allfields, attributes)
        # the ratio parts are the engine's, not something to pick in a view
        for fname in [f for f in result if self._is_part(f)]:
            del result[fname]
        for fname in ("sequence", "has_unknown"):  # not figures to add up
            if fname in result and "aggregator" in result[fname]:
                result[fname]["aggregator"] = None
        columns = self._run_columns()
        if not columns:
            return result
        for fname in list(result):
            if fname.startswith(("dim_", "m_")) and fname not in columns:
                del result[fname]  # a slot this run does not use
        for fname, spec in columns.items():
            description = result.get(fname)
            if description is None:
                continue
            if "string" in description:
                description["string"] = spec["header"]
            if spec["kind"] in FIELD_TYPES and "type" in description:
                description["type"] = FIELD_TYPES[spec["kind"]]
            if spec["kind"] in ("monetary", "percent"):
                description["digits"] = (16, 2)
            if spec["kind"] in FIELD_TYPES and "aggregator" in description:
                # ratios too: _read_group_select recomputes them
                description["aggregator"] = "sum"
            if spec["help"] and (attributes is None or "help" in attributes):
                description["help"] = spec["help"]
        return result

    @api.model
    def _distinct_totals(self):
        """(run id, rows, ((slot, true grand total or None), ...)) of the
        distinct-count measures of the run in the context, or None."""
        run = self._context_run()
        if not run:
            return None
        totals = json.loads(run.totals_json or "{}")
        slots = tuple(
            (spec["slot"], totals.get(spec["code"]))
            for spec in run._column_specs()
            if spec["slot"] and spec["aggregation"] == "distinct"
        )
        return run.id, run.row_count, slots

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), *args, **kwargs):
        # the run's distinct measures, read once for every aggregate of
        # this read (see _read_group_select)
        records = self
        if "crm_report_distinct" not in self.env.context and any(
            spec.startswith("m_") for spec in aggregates
        ):
            records = self.with_context(crm_report_distinct=self._distinct_totals())
        return super(CrmReportLine, records)._read_group(
            domain, groupby, aggregates, *args, **kwargs
        )

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        """A ratio or an average is recomputed from its parts at every level
        of a pivot (and in the list's totals): SUM(numerator) /
        SUM(denominator). Slots without parts (additive measures, runs
        compiled before the parts existed) are aggregated as asked."""
        fname, _sep, func = aggregate_spec.partition(":")
        distinct = None
        if fname.startswith("m_"):
            distinct = self.env.context.get("crm_report_distinct", False)
            if distinct is False:
                distinct = self._distinct_totals()
        slots = dict(distinct[2]) if distinct else {}
        if fname in slots and func in ("sum", "avg", "max", "min"):
            # a distinct count: one row's own value; the run's true total
            # for a group holding every row of the run (the grand total,
            # however the pivot is grouped); nothing for a group of some
            # rows, where a sum would count a customer once per row
            run_id, rows, _slots = distinct
            total = slots[fname]
            run_col = SQL.identifier(self._table, "run_id")
            return SQL(
                "CASE WHEN COUNT(*) = 1 THEN MAX(%(value)s) "
                "WHEN COUNT(*) = %(rows)s AND MIN(%(run_col)s) = %(run)s "
                "AND MAX(%(run_col)s) = %(run)s THEN %(total)s::float "
                "ELSE NULL END",
                value=SQL.identifier(self._table, fname),
                rows=rows,
                run_col=run_col,
                run=run_id,
                total=total,
            )
        if (
            func in ("sum", "avg")
            and fname.startswith("m_")
            and fname[2:].isdigit()
            and fname in self._fields
        ):
            slot = fname[2:]
            value = super()._read_group_select(aggregate_spec, query)
            numerator = SQL.identifier(self._table, f"n_{slot}")
            denominator = SQL.identifier(self._table, f"d_{slot}")
            return SQL(
                "CASE WHEN COUNT(%(den)s) = 0 THEN %(value)s "
                "ELSE SUM(%(num)s) / NULLIF(SUM(%(den)s), 0) END",
                value=value,
                num=numerator,
                den=denominator,
            )
        return super()._read_group_select(aggregate_spec, query)

    # ------------------------------------------------------------------
    # views: built from the run's columns
    # ------------------------------------------------------------------
    @api.model
    def _get_view_cache_key(self, view_id=None, view_type="form", **options):
        key = super()._get_view_cache_key(view_id, view_type, **options)
        context = self.env.context
        return (*key, context.get("crm_report_run_id") or context.get("crm_report_run_view_ref"))

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        run = self._context_run()
        builder = getattr(self, f"_arch_{view_type}", None)
        if not run or view_type not in ("pivot", "graph", "list", "search"):
            return arch, view
        for node in list(arch):
            if node.tag in ("field", "filter", "group", "separator"):
                arch.remove(node)
        specs = [s for s in run._column_specs() if s["slot"]]
        builder(
            arch,
            run,
            [s for s in specs if s["kind"] in ("char", "date")],
            [s for s in specs if s["kind"] in FIELD_TYPES],
        )
        return arch, view

    @api.model
    def _add(self, parent, tag, **attrs):
        return etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})

    @api.model
    def _split_dims(self, dims):
        period = next((s for s in dims if s["slot"] == "period"), None)
        return period, [s for s in dims if s["slot"] != "period"]

    @api.model
    def _arch_pivot(self, arch, run, dims, measures):
        """The first dimension as rows, the period as columns."""
        period, others = self._split_dims(dims)
        interval = run._period_interval()
        if others:
            self._add(arch, "field", name=others[0]["slot"], type="row")
            if period:
                self._add(arch, "field", name="period", type="col", interval=interval)
        elif period:
            self._add(arch, "field", name="period", type="row", interval=interval)
        for spec in measures:
            self._add(arch, "field", name=spec["slot"], type="measure")

    @api.model
    def _arch_graph(self, arch, run, dims, measures):
        """The template's default chart (type and measure)."""
        period, others = self._split_dims(dims)
        interval = run._period_interval()
        chart = run._chart()
        arch.set("type", chart["type"])
        if chart["type"] == "line" and period:
            self._add(arch, "field", name="period", interval=interval)
            if others:
                self._add(arch, "field", name=others[0]["slot"])
        else:
            arch.set("order", "desc")
            first = others[0] if others else period
            if first:
                self._add(
                    arch,
                    "field",
                    name=first["slot"],
                    interval=interval if first is period else None,
                )
        if chart["measure"]:
            self._add(arch, "field", name=chart["measure"], type="measure")

    @api.model
    def _arch_list(self, arch, run, dims, measures):
        for spec in dims:
            self._add(arch, "field", name=spec["slot"])
        for spec in measures:
            # a ratio's total is recomputed too (_read_group_select)
            self._add(arch, "field", name=spec["slot"], sum=spec["header"])

    @api.model
    def _arch_search(self, arch, run, dims, measures):
        """Each dimension to search and group by; unknown values as filters."""
        period, others = self._split_dims(dims)
        interval = run._period_interval()
        for spec in others:
            self._add(arch, "field", name=spec["slot"])
        if period:
            self._add(arch, "filter", name="period_filter", string=period["header"], date="period")
        self._add(
            arch,
            "filter",
            name="known",
            string=self.env._("Known values only"),
            domain="[('has_unknown', '=', False)]",
        )
        self._add(
            arch,
            "filter",
            name="unknown",
            string=self.env._("With unknown values"),
            domain="[('has_unknown', '=', True)]",
        )
        group = self._add(arch, "group", expand="0", string=self.env._("Group By"))
        for spec in dims:
            groupby = spec["slot"] if spec is not period else f"period:{interval}"
            self._add(
                group,
                "filter",
                name=f"group_{spec['slot']}",
                string=spec["header"],
                context="{'group_by': '%s'}" % groupby,
            )

    def init(self):
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS crm_report_line_run_seq_idx "
                "ON crm_report_line (run_id, sequence)"
            )
        )
