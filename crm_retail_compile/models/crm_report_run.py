"""crm.report.run: one compilation of a report template.

The model is split by concern (read in this order):

- this file: fields, display, typed columns, summaries, creation and the
  user's actions;
- ``crm_report_run_compile.py``: compiling and executing a run (the query,
  its rows into result lines, totals and files);
- ``crm_report_run_output.py``: files, downloads and their access checks;
- ``crm_report_run_job.py``: large runs compiled by an OCA queue_job job.

What needs no database (streaming rows into sinks, result-line slots,
typed columns, file names, working directories) is in
``lib/report_stream.py`` and ``lib/report_workdir.py``.
"""

import json

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_datetime

from ..lib import report_engine, report_stream

PDF_REPORT = "report.crm_retail_compile.report_crm_report_run"


class CrmReportRun(models.Model):
    """One compilation of a template: parameters, result, files, timing."""

    _name = "crm.report.run"
    _inherit = ["mail.thread", "crm.department.mixin"]
    _description = "Report Run"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True, crm_system=True)
    template_id = fields.Many2one(
        "crm.report.template",
        required=True,
        readonly=True,
        crm_system=True,
        ondelete="cascade",
        index=True,
    )
    retail_department_id = fields.Many2one(readonly=True, crm_system=True, required=True)
    user_id = fields.Many2one(
        "res.users",
        string="Requested By",
        required=True,
        readonly=True,
        crm_system=True,
        default=lambda self: self.env.user,
    )
    state = fields.Selection(
        [("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="queued",
        required=True,
        readonly=True,
        crm_system=True,
        tracking=True,
    )
    mode = fields.Selection(
        [("realtime", "Real-time"), ("precalculated", "Pre-calculated")],
        readonly=True,
        crm_system=True,
    )
    is_snapshot = fields.Boolean(readonly=True, crm_system=True)
    date_from = fields.Date(readonly=True, crm_system=True)
    date_to = fields.Date(readonly=True, crm_system=True)
    branch_ids = fields.Many2many(
        "crm.retail.branch", string="Branches", readonly=True, crm_system=True
    )
    # technical records of the run (read through _column_specs, the API and
    # the labelled totals_html / params_html; never shown as they are)
    params_json = fields.Text(string="Parameters (technical)", readonly=True, crm_system=True)
    columns_json = fields.Text(readonly=True, crm_system=True)
    totals_json = fields.Text(string="Totals (technical)", readonly=True, crm_system=True)
    totals_html = fields.Html(string="Totals", compute="_compute_summary_html", sanitize=False)
    params_html = fields.Html(string="Parameters", compute="_compute_summary_html", sanitize=False)
    output_xlsx = fields.Boolean(related="template_id.output_xlsx", string="XLSX Output")
    output_pdf = fields.Boolean(related="template_id.output_pdf", string="PDF Output")
    output_csv = fields.Boolean(related="template_id.output_csv", string="CSV Output")
    row_count = fields.Integer(readonly=True, crm_system=True)
    duration = fields.Float(string="Duration (s)", readonly=True, crm_system=True, digits=(16, 3))
    started = fields.Datetime(readonly=True, crm_system=True)
    finished = fields.Datetime(readonly=True, crm_system=True)
    error = fields.Text(readonly=True, crm_system=True)
    progress = fields.Integer(string="Rows Written", compute="_compute_progress")
    checksum = fields.Char(string="Checksum (SHA-256)", readonly=True, crm_system=True)
    xlsx_attachment_id = fields.Many2one(
        "ir.attachment", string="XLSX", readonly=True, crm_system=True
    )
    csv_attachment_id = fields.Many2one(
        "ir.attachment", string="CSV", readonly=True, crm_system=True
    )
    pdf_attachment_id = fields.Many2one(
        "ir.attachment", string="PDF", readonly=True, crm_system=True
    )
    line_ids = fields.One2many("crm.report.line", "run_id", readonly=True, crm_system=True)
    has_lines = fields.Boolean(readonly=True, crm_system=True)

    @api.depends("template_id.name", "create_date")
    @api.depends_context("lang", "tz")
    def _compute_display_name(self):
        # in the reader's language and time zone (``name`` is the stored,
        # searchable record of the run in its requester's language)
        for run in self:
            if not run.template_id or not run.create_date:
                run.display_name = run.name
                continue
            run.display_name = _(
                "%(report)s (%(date)s)",
                report=run.template_id.name,
                date=format_datetime(run.env, run.create_date, dt_format="short"),
            )

    @api.depends("totals_json", "columns_json", "params_json", "branch_ids", "state")
    @api.depends_context("lang")
    def _compute_summary_html(self):
        for run in self:
            run.totals_html = run._totals_html()
            run.params_html = run._params_html()

    # ------------------------------------------------------------------
    # Typed columns
    # ------------------------------------------------------------------
    def _column_specs(self):
        """The run's columns, typed, in the order of its rows: dicts with
        ``code``, ``label`` (in the reader's language), ``header`` (label
        with its unit, for views and files), ``kind`` (char, date, monetary,
        percent, integer, number), ``aggregation`` (None, sum, ratio,
        distinct), ``slot`` (the crm.report.line field, None when the result
        lines do not hold it) and ``help``."""
        self.ensure_one()
        Summary = self.env[PDF_REPORT]
        specs = []
        for column in report_stream.typed_columns(self.columns_json):
            code, label, kind = column["code"], column["label"], column["kind"]
            aggregation, slot = column["aggregation"], column["slot"]
            if code == "period":
                label = Summary._period_label(self.template_id, label)
            else:
                label = Summary._label(label)
            header = label
            if kind == "monetary":
                header = _("%(label)s (HK$)", label=label)
            help_text = False
            if aggregation == "ratio":
                help_text = _("Recomputed from its parts at every level, never added up.")
            elif aggregation == "distinct":
                help_text = _(
                    "A distinct count: a customer in several groups counts once in each group "
                    "and once in the grand total. It cannot be added up: a subtotal that combines "
                    "several rows is left empty rather than show a sum that counts customers "
                    "twice."
                )
            specs.append(
                {
                    "code": code,
                    "label": label,
                    "header": header,
                    "kind": kind,
                    "aggregation": aggregation,
                    "slot": slot,
                    "help": help_text,
                }
            )
        return specs

    def _columns(self):
        """[(code, label, kind)] of the run (labels as compiled)."""
        self.ensure_one()
        return report_stream.stored_columns(self.columns_json)

    def _chart(self):
        """The template's default chart: {"type", "measure" (slot)}."""
        self.ensure_one()
        template = self.template_id
        slots = {s["code"]: s["slot"] for s in self._column_specs() if s["slot"]}
        measures = [
            s["slot"]
            for s in self._column_specs()
            if s["slot"] and s["kind"] in report_engine.MEASURE_KINDS
        ]
        measure = slots.get(template.chart_measure) or (measures[0] if measures else None)
        return {"type": template.chart_type or "bar", "measure": measure}

    def _currency(self):
        """Report amounts are Hong Kong dollars."""
        return self.env.ref("base.HKD", raise_if_not_found=False) or self.env.company.currency_id

    def _period_interval(self):
        period = self.template_id.period
        return period if period in report_engine.PERIODS else "month"

    def _output_formats(self):
        """The formats the template produces, in download order."""
        self.ensure_one()
        template = self.sudo().template_id
        return [fmt for fmt in report_stream.OUTPUT_FORMATS if template[f"output_{fmt}"]]

    def _totals_html(self):
        """The totals as a labelled table in the reader's language."""
        self.ensure_one()
        totals = json.loads(self.totals_json or "{}")
        if self.state != "done" or not totals:
            return False
        Summary = self.env[PDF_REPORT]
        currency = self._currency()
        rows = []
        for spec in self._column_specs():
            if spec["code"] not in totals or spec["kind"] not in report_engine.MEASURE_KINDS:
                continue
            value = totals[spec["code"]]
            rows.append(
                (
                    spec["label"],
                    Summary._format(spec["kind"], value, currency, spec["kind"] == "integer"),
                )
            )
        rows.append((_("Rows"), Summary._number(totals.get("rows", self.row_count), True)))
        return report_stream.html_table(rows)

    def _params_html(self):
        """What the run compiled, as labelled values."""
        self.ensure_one()
        template = self.template_id
        if not template:
            return False
        Summary = self.env[PDF_REPORT]
        params = json.loads(self.params_json or "{}")
        dataset = template._get_dataset()
        labels = {}
        if dataset:
            labels = {code: d.label for code, d in dataset.dimensions.items()}
            labels.update({code: m.label for code, m in dataset.measures.items()})
        period = Summary._period_label(template, template.period)

        def names(codes):
            codes = [c.strip() for c in (codes or "").split(",") if c.strip()]
            return ", ".join(
                period if c == "period" else Summary._label(labels.get(c, c)) for c in codes
            )

        detail = dict(template._fields["detail"]._description_selection(self.env))
        rows = [
            (_("Dates"), Summary._period_text(self)),
            (
                _("Branches"),
                ", ".join(self.sudo().branch_ids.mapped("name")) or _("All branches you may see"),
            ),
            (_("Dimensions"), names(params.get("dimensions", template.dimensions))),
            (_("Measures"), names(params.get("measures", template.measures))),
            (_("Level of Detail"), detail.get(params.get("detail") or template.detail, "")),
        ]
        filters = params.get("filters", template.filter_domain)
        if filters and filters.strip() not in ("[]", ""):
            rows.append((_("Filters"), filters))
        return report_stream.html_table(rows)

    # ------------------------------------------------------------------
    # Creation
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        # a run is the record of a compilation: only the suite's own code
        # path (template action, query tool, API, scheduled jobs) makes one,
        # for a template its requester may read (_create_for_template)
        if not self._crm_is_system_write():
            raise AccessError(
                _("Report runs are created by running a report template, not directly.")
            )
        return super().create(vals_list)

    @api.model
    def _create_for_template(
        self, template, user=None, date_from=None, date_to=None, branches=None, is_snapshot=False
    ):
        user = user or self.env.user
        template.ensure_one()
        # the requester must be allowed to read the template (department
        # rule); the run belongs to the template's department
        template.with_user(user).check_access("read")
        default_from, default_to = template._get_date_bounds()
        date_from = date_from or default_from
        date_to = date_to or default_to
        if date_from and date_to and date_from > date_to:
            raise UserError(_("The period starts after it ends."))
        params = {
            "date_from": fields.Date.to_string(date_from) if date_from else None,
            "date_to": fields.Date.to_string(date_to) if date_to else None,
            "branch_ids": branches.ids if branches else [],
            "dimensions": template.dimensions,
            "measures": template.measures,
            "filters": template.filter_domain,
            "detail": template.detail,
        }
        return (
            self.with_user(user)
            ._crm_system_write()
            .create(
                {
                    "name": "%s - %s"
                    % (template.name, fields.Datetime.now().strftime("%Y-%m-%d %H:%M")),
                    "template_id": template.id,
                    "retail_department_id": template.retail_department_id.id,
                    "user_id": user.id,
                    "mode": template.timeliness,
                    "is_snapshot": is_snapshot,
                    "date_from": date_from,
                    "date_to": date_to,
                    "branch_ids": [(6, 0, branches.ids if branches else [])],
                    "params_json": json.dumps(params),
                }
            )
            .with_env(self.env)
        )

    def _runs_in_background(self):
        self.ensure_one()
        return self.template_id.detail == "customer" and not self.env.context.get(
            "crm_report_foreground"
        )

    def action_run(self):
        """Compile now, or queue a background job when large (customer-level
        lists, see crm_report_run_job.py); also compiles a failed run again."""
        for run in self:
            run.check_access("write")
            if run._runs_in_background():
                run._enqueue_compile()
                run.message_post(body=_("Queued: you will be notified when the report is ready."))
            else:
                run._execute()
        return True

    # ------------------------------------------------------------------
    # Access to results
    # ------------------------------------------------------------------
    def action_view_lines(self):
        self.ensure_one()
        if self.state != "done":
            raise UserError(_("The report has not been compiled yet."))
        if not self.has_lines:
            raise UserError(
                _("This result has %(rows)s rows: download it instead.", rows=self.row_count)
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.display_name,
            "res_model": "crm.report.line",
            "view_mode": "pivot,graph,list",
            "domain": [("run_id", "=", self.id)],
            # crm_report_run_view_ref: the key get_views receives (the web
            # client keeps only "lang" and "*_view_ref" keys for it)
            "context": {"crm_report_run_id": self.id, "crm_report_run_view_ref": self.id},
        }
