import dataclasses
import datetime
import json
import logging
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager

import psycopg2.extras
from markupsafe import Markup

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_datetime

from ..lib import pg_settings, report_engine, report_writers

_logger = logging.getLogger(__name__)

# working directories of compiles: crm_report_<pid>_<random>
TMP_PREFIX = "crm_report_"
TMP_MAX_AGE = 24 * 3600


def _html_table(rows):
    """[(label, value)] as a small two-column HTML table (values escaped)."""
    body = Markup("").join(
        Markup('<tr><th class="pe-3 text-nowrap">%s</th><td>%s</td></tr>') % (label, value)
        for label, value in rows
    )
    return Markup('<table class="table table-sm o_crm_report_values mb-0">%s</table>') % body


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


# Runs with more rows than this keep no result lines (only their files).
LINE_LIMIT = 50_000
# Customer-level runs, and runs expected beyond this many rows, go to the
# background job.
BACKGROUND_ROWS = 20_000
# Files of runs with fewer rows are written in the worker, without the
# XLSX writer process (see report_writers.XlsxSink).
XLSX_PROCESS_ROWS = 5000
# A running background run whose heartbeat is older than this was interrupted.
STALE_SECONDS = 600
DIM_SLOTS = report_engine.MAX_DIMENSIONS
# PostgreSQL memory for sorting and grouping a report's rows
WORK_MEM_PARAM = "crm_retail_compile.report_work_mem"
DEFAULT_WORK_MEM = "256MB"
MEASURE_SLOTS = report_engine.MAX_MEASURES
OUTPUT_FORMATS = ("xlsx", "csv", "pdf")
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "pdf": "application/pdf",
}
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

    def init(self):
        # progress lives outside the run row: the background job writes it from
        # a separate transaction while its own transaction holds the run
        self.env.cr.execute(
            SQL(
                """
                CREATE TABLE IF NOT EXISTS crm_report_run_progress (
                    run_id integer PRIMARY KEY,
                    rows_done integer NOT NULL DEFAULT 0,
                    heartbeat timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
                )
                """
            )
        )

    def _compute_progress(self):
        rows = (
            dict(
                self.env.execute_query(
                    SQL(
                        "SELECT run_id, rows_done FROM crm_report_run_progress "
                        "WHERE run_id = ANY(%s)",
                        self.ids,
                    )
                )
            )
            if self.ids
            else {}
        )
        for run in self:
            run.progress = run.row_count if run.state == "done" else rows.get(run.id, 0)

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
        specs, dims, measures = [], 0, 0
        for column in json.loads(self.columns_json or "[]"):
            if isinstance(column, dict):
                code, label, kind = column["code"], column["label"], column["kind"]
                aggregation = column.get("aggregation")
            else:  # runs compiled before 18.0.1.4.0
                code, label, kind = column
                aggregation = "sum" if kind in report_engine.MEASURE_KINDS else None
            if code == "period":
                slot = "period"
                label = Summary._period_label(self.template_id, label)
            elif code == "customer":
                slot = "customer"
                label = Summary._label(label)
            elif kind in report_engine.MEASURE_KINDS:
                measures += 1
                slot = f"m_{measures}" if measures <= MEASURE_SLOTS else None
                label = Summary._label(label)
            else:
                dims += 1
                slot = f"dim_{dims}" if dims <= DIM_SLOTS else None
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
        return [
            (c["code"], c["label"], c["kind"]) if isinstance(c, dict) else tuple(c)
            for c in json.loads(self.columns_json or "[]")
        ]

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
        return [fmt for fmt in OUTPUT_FORMATS if template[f"output_{fmt}"]]

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
        return _html_table(rows)

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
        return _html_table(rows)

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
        """Compile now, or queue for the background job when large."""
        for run in self:
            run.check_access("write")
            if run._runs_in_background():
                run._crm_system_write().write({"state": "queued"})
                self.env.ref("crm_retail_compile.ir_cron_crm_report_run_queue")._trigger()
                run.message_post(body=_("Queued: you will be notified when the report is ready."))
            else:
                run._execute()
        return True

    # ------------------------------------------------------------------
    # Compilation
    # ------------------------------------------------------------------
    def _clearance(self):
        """Effective sensitivity ceiling of this run's outputs."""
        order = report_engine.SENSITIVITY_ORDER
        template = self.template_id
        ceiling = template.sensitivity_ceiling
        clearance = template.retail_department_id.clearance or "internal"
        return ceiling if order.index(ceiling) <= order.index(clearance) else clearance

    def _allowed_customer_columns(self, ceiling):
        classified = self.env["crm.privacy.field.classification"]._get_classified_fields(
            "res.partner"
        )
        allowed = []
        for code, column in report_engine.CUSTOMER_COLUMNS.items():
            sensitivity = classified.get(column.path, (None, "internal", None))[1]
            if report_engine.sensitivity_allows(sensitivity, ceiling):
                allowed.append(code)
        return allowed

    def _compile(self, spec=None, with_total=False):
        """Build the run's single SQL query with the requesting user's rules
        (of the template's spec, or of ``spec`` over the same rows).

        ``with_total``: an aggregated result with distinct counts
        (customers, orders) also returns its grand-total row, for their
        true totals (see ``report_engine.compile_report``); customer-level
        results never do (their totals take one more query, see
        ``_distinct_totals``)."""
        self.ensure_one()
        template = self.template_id
        spec = spec or template._get_spec()
        datasets = template._get_datasets()
        dataset = spec.validate(datasets)
        with_total = (
            with_total
            and spec.detail == "aggregated"
            and any(
                report_engine.measure_aggregation(dataset.measures[code]) == "distinct"
                for code in spec.measures
            )
        )
        # labels (many2one names, selections) in the requester's language
        lang = self.user_id.lang or self.env.lang or "en_US"
        Model = self.env[dataset.model].with_user(self.user_id).with_context(lang=lang)
        domain = list(dataset.base_domain)
        try:
            domain += report_engine.parse_domain(template.filter_domain)
        except (ValueError, SyntaxError, TypeError) as error:
            raise UserError(_("The report's filters are not a valid domain.")) from error
        date_field = dataset.date_field
        if self.date_from:
            domain.append((date_field, ">=", self.date_from))
        if self.date_to:
            # up to the end of the last day, whether the field is a date or a datetime
            domain.append((date_field, "<", self.date_to + datetime.timedelta(days=1)))
        if self.branch_ids and "branch" in dataset.dimensions:
            domain.append((dataset.dimensions["branch"].path, "in", self.branch_ids.ids))
        query = Model._search(domain)
        resolver = _FieldResolver(Model, query)
        ceiling = self._clearance()
        identify = report_engine.sensitivity_allows("confidential", ceiling)
        secret = None
        if spec.detail == "customer" and not identify:
            secret = self.env["ir.config_parameter"].sudo().get_param("database.secret")
        compiled = report_engine.compile_report(
            spec,
            datasets,
            query,
            resolver.field_sql,
            resolver.label_sql,
            special_sql=resolver.special_sql,
            tz=self.user_id.tz or "Asia/Hong_Kong",
            pseudonym_secret=secret,
            allowed_customer_columns=self._allowed_customer_columns(ceiling),
            unknown_label=self._unknown_label(lang),
            field_type=resolver.field_type,
            with_total=with_total,
        )
        return compiled

    def _unknown_label(self, lang=None):
        """The label of a dimension without value, in ``lang``."""
        return self.with_context(lang=lang or self.env.lang).env._("Unknown")

    @contextmanager
    def _report_cursor(self):
        """A read-only cursor (on the replica, when ``db_replica_host`` is
        set) for background compilation; the current cursor otherwise, so
        that a run sees the data of its own transaction."""
        if tools.config.get("db_replica_host") and self.env.context.get("crm_report_background"):
            with self.env.registry.cursor(readonly=True) as cr:
                yield cr
        else:
            yield self.env.cr

    def _stream(self, compiled):
        """Rows of the compiled query, fetched in batches from a server-side
        cursor (constant memory)."""
        self.env.flush_all()
        work_mem = (
            self.env["ir.config_parameter"].sudo().get_param(WORK_MEM_PARAM) or DEFAULT_WORK_MEM
        ).strip()
        if not re.fullmatch(r"\d{1,7}\s*(kB|MB|GB)", work_mem):
            raise UserError(
                _(
                    "The system parameter %(param)s must be a memory size such as 256MB, "
                    "not %(value)s.",
                    param=WORK_MEM_PARAM,
                    value=work_mem,
                )
            )
        # a customer-level report groups and sorts a million rows before its
        # first row: in memory, not in temporary files
        with (
            self._report_cursor() as cr,
            pg_settings.local_settings(cr, work_mem=work_mem, jit="off"),
        ):
            cursor = cr._cnx.cursor(name=f"crm_report_run_{self.id}_{int(time.time() * 1000)}")
            cursor.itersize = 5000
            try:
                cursor.execute(compiled.query.code, compiled.query.params)
                yield from cursor
            finally:
                cursor.close()

    def _execute(self):
        """Compile the run; on failure the run says why and keeps no file."""
        self.ensure_one()
        template = self.template_id.with_user(self.user_id)
        try:
            template.check_access("read")
        except AccessError:
            self._crm_system_write().sudo().write(
                {"state": "failed", "error": _("Access to the template denied.")}
            )
            raise
        start = time.monotonic()
        system = self._crm_system_write()
        system.write({"state": "running", "started": fields.Datetime.now(), "error": False})
        try:
            with self.env.cr.savepoint():
                self._execute_outputs()
        except Exception as error:  # noqa: BLE001 - any failure ends the run cleanly
            # the savepoint rolled back every output of this run
            _logger.info("Report run %s failed: %s", self.id, error)
            message = error.args[0] if isinstance(error, UserError | AccessError) else str(error)
            system.write(
                {
                    "state": "failed",
                    "error": message,
                    "finished": fields.Datetime.now(),
                    "duration": time.monotonic() - start,
                }
            )
            self._notify(
                _("The report %(name)s failed: %(error)s", name=self.display_name, error=message),
                "danger",
            )
            return False
        system.write(
            {
                "state": "done",
                "finished": fields.Datetime.now(),
                "duration": time.monotonic() - start,
            }
        )
        self._notify(
            _(
                "The report %(name)s is ready (%(rows)s rows).",
                name=self.display_name,
                rows=self.row_count,
            ),
            "success",
        )
        return True

    def _execute_outputs(self):
        """Compile the run into its result lines and totals, in one query.

        Files are rendered when first downloaded (``_ensure_files``), from
        the result lines: an interactive run does not pay for a PDF or an
        XLSX nobody opens. Two kinds of run render them now, from the same
        pass over the rows: background runs (large customer-level lists,
        whose requester is told when the files are ready), and runs too
        large to keep their lines (nothing else to render them from later).
        """
        compiled = self._compile(with_total=True)
        columns = compiled.columns
        background = bool(self.env.context.get("crm_report_background"))
        self._crm_system_write().write(
            {
                "columns_json": json.dumps(
                    [
                        {"code": code, "label": label, "kind": kind, "aggregation": agg}
                        for (code, label, kind), agg in zip(
                            columns, compiled.aggregations, strict=True
                        )
                    ]
                )
            }
        )
        # files rendered by the job are in the requester's language
        reader = (
            self.with_context(lang=self.user_id.lang, tz=self.user_id.tz) if background else self
        )
        with tempfile.TemporaryDirectory(prefix=f"{TMP_PREFIX}{os.getpid()}_") as tmp:
            totals = report_writers.Totals(columns, compiled.aggregations, compiled.parts)
            lines = _LineSink(self, compiled)
            files = reader._file_sinks(tmp, columns) if background else {}
            first = _FirstRow()
            total_rows = []
            count = self._pump(compiled, [totals, lines, first, *files.values()], total_rows)
            self._check_identified_export(count)
            grand_totals = totals.as_dict()
            grand_totals.update(
                self._distinct_totals(
                    compiled, count, first.row, total_rows[0] if total_rows else None
                )
            )
            self._crm_system_write().write(
                {
                    "row_count": count,
                    "totals_json": json.dumps(grand_totals),
                    "has_lines": lines.kept,
                }
            )
            if not files and not lines.kept:
                # too large to keep: render the files now, from the query
                files = reader._file_sinks(tmp, columns)
                if files:
                    self._pump(self._compile(), list(files.values()))
            reader._attach_files(files)
        if background and "pdf" in self._output_formats() and self.has_lines:
            self._attach_pdf()

    def _distinct_totals(self, compiled, count=None, first=None, total=None):
        """{code: value} of the true grand totals of the distinct counts
        (customers, orders) of ``compiled``. Adding up the groups would
        count a customer who bought in two branches twice. They come from
        the grand-total row ``total`` of a query compiled ``with_total``
        (same query, no second one); a result of one row (``count``, its
        ``first`` row) is its own total; otherwise (customer-level results)
        one more query over the same rows without grouping."""
        indexes = {
            column[0]: index
            for index, (column, aggregation) in enumerate(
                zip(compiled.columns, compiled.aggregations, strict=True)
            )
            if aggregation == "distinct"
        }
        codes = list(indexes)
        if not codes:
            return {}
        if total is not None:
            return {code: int(total[index] or 0) for code, index in indexes.items()}
        if count is not None and count <= 1:
            return {code: int(first[index] or 0) if first else 0 for code, index in indexes.items()}
        spec = dataclasses.replace(
            self.template_id._get_spec(),
            dimensions=[],
            measures=codes,
            detail="aggregated",
            customer_columns=[],
        )
        total = self._compile(spec)
        with self._report_cursor() as cr:
            cr.execute(total.query)
            row = cr.fetchone()
        return {code: int(value or 0) for code, value in zip(codes, row, strict=True)}

    def _pump(self, compiled, sinks, total_rows=None):
        """Stream the rows of ``compiled`` into ``sinks``; an unfinished
        file is never finished. Returns the row count. The grand-total row
        of a query compiled ``with_total`` goes to the list ``total_rows``,
        never to the sinks, and is not counted."""
        stream = self._stream(compiled)
        rows = stream
        if compiled.total_index is not None:
            rows = _without_total(stream, compiled.total_index, total_rows)
        try:
            count = report_writers.write_rows(sinks, rows, progress=self._report_progress)
        except BaseException:
            rows.close()
            stream.close()
            for sink in sinks:
                if hasattr(sink, "abort"):
                    sink.abort()  # the file is unfinished: never finish it
                elif hasattr(sink, "close"):
                    sink.close()
            raise
        # close the server-side cursor now, inside the savepoint
        rows.close()
        stream.close()
        for sink in sinks:
            if hasattr(sink, "close"):
                sink.close()
        return count

    def _file_sinks(self, tmp, columns, formats=None):
        """{fmt: sink} of the template's XLSX and CSV (or those of
        ``formats``), headers and metadata in the reader's language."""
        specs = self._column_specs()
        if len(specs) == len(columns):
            columns = [(s["code"], s["header"], s["kind"]) for s in specs]
        sinks = {}
        formats = [f for f in self._output_formats() if not formats or f in formats]
        if "xlsx" in formats:
            sinks["xlsx"] = report_writers.XlsxSink(
                os.path.join(tmp, "report.xlsx"),
                columns,
                self.template_id.name,
                self._file_meta(),
                # a writer process pays off for large files only (starting
                # it costs more than writing a few thousand rows)
                process=bool(self.env.context.get("crm_report_background"))
                or self.row_count >= XLSX_PROCESS_ROWS,
            )
        if "csv" in formats:
            sinks["csv"] = report_writers.CsvSink(os.path.join(tmp, "report.csv"), columns)
        return sinks

    def _file_meta(self):
        Summary = self.env[PDF_REPORT]
        compiled_at = self.finished or fields.Datetime.now()
        return [
            (_("Department"), self.retail_department_id.name),
            (_("Period"), Summary._period_text(self)),
            (_("Compiled"), format_datetime(self.env, compiled_at)),
            (_("By"), self.user_id.name),
        ]

    def _attach_files(self, sinks):
        vals = {}
        for fmt, sink in sinks.items():
            path = sink.path if fmt == "xlsx" else sink.handle.name
            attachment = self._attach(path, fmt)
            vals[f"{fmt}_attachment_id"] = attachment.id
            if fmt == "xlsx" or not (self.checksum or "checksum" in vals):
                vals["checksum"] = report_writers.sha256_file(path)
        if vals:
            self.sudo()._crm_system_write().write(vals)

    def _attach_pdf(self):
        pdf = self._render_pdf()
        if pdf:
            self.sudo()._crm_system_write().write({"pdf_attachment_id": pdf.id})
        return pdf

    def _line_rows(self):
        """The rows of the result lines, in the columns' order (period
        dates, texts, numbers), for the files rendered on download."""
        specs = self._column_specs()
        slots = [s["slot"] for s in specs]
        if not all(slots):
            raise UserError(_("This result cannot be rendered from its lines."))
        self.env["crm.report.line"].flush_model()
        cursor = self.env.cr._cnx.cursor(name=f"crm_report_lines_{self.id}_{int(time.time())}")
        cursor.itersize = 5000
        query = SQL(
            "SELECT %s FROM crm_report_line WHERE run_id = %s ORDER BY sequence",
            SQL(", ").join(SQL.identifier(slot) for slot in slots),
            self.id,
        )
        try:
            cursor.execute(query.code, query.params)
            yield from cursor
        finally:
            cursor.close()

    def _render_files(self, formats):
        """Render ``formats`` from the result lines and attach them; an
        unfinished file is never attached."""
        with tempfile.TemporaryDirectory(prefix=f"{TMP_PREFIX}{os.getpid()}_") as tmp:
            sinks = self._file_sinks(tmp, self._columns(), formats)
            if sinks:
                rows = self._line_rows()
                try:
                    report_writers.write_rows(list(sinks.values()), rows)
                except BaseException:
                    rows.close()
                    for sink in sinks.values():
                        (getattr(sink, "abort", None) or sink.close)()
                    raise
                rows.close()
                for sink in sinks.values():
                    sink.close()
                self._attach_files(sinks)
        if "pdf" in formats:
            self._attach_pdf()

    def _ensure_files(self, formats=None):
        """Render the run's missing files (all the template's formats, or
        ``formats``) once, from its result lines, and keep them: the next
        download, e-mail or API call gets the same file. In the current
        user's language. Returns the attachments of ``formats``.

        Callers check access first (``_get_output``; the scheduled delivery
        for its authorised recipients)."""
        self.ensure_one()
        available = self._output_formats()
        formats = [f for f in (formats or available) if f in available]
        run = self.sudo()
        if run.state == "done" and any(not run[f"{f}_attachment_id"] for f in formats):
            # one rendering at a time: a second download waits for the first
            self.env.cr.execute(
                SQL("SELECT id FROM crm_report_run WHERE id = %s FOR NO KEY UPDATE", self.id)
            )
            run.invalidate_recordset([f"{f}_attachment_id" for f in OUTPUT_FORMATS])
            missing = [f for f in formats if not run[f"{f}_attachment_id"]]
            if missing and run.has_lines:
                try:
                    with self.env.cr.savepoint():
                        run._render_files(missing)
                except OSError as error:  # a file could not be written
                    _logger.warning("Report run %s: files not rendered: %s", self.id, error)
                    raise UserError(
                        _(
                            "The report file could not be prepared (%(error)s). "
                            "Try again in a moment.",
                            error=error,
                        )
                    ) from error
        attachments = self.env["ir.attachment"]
        for fmt in formats:
            attachments |= run[f"{fmt}_attachment_id"]
        return attachments

    def _check_identified_export(self, count):
        """Identified customer rows are personal data: large ones need the
        privacy officer's approval (crm_privacy_pdpo)."""
        if self.template_id.detail != "customer":
            return
        if not report_engine.sensitivity_allows("confidential", self._clearance()):
            return  # pseudonymised
        self.env["crm.privacy.export.log"].with_user(self.user_id)._check_export_allowed(
            "res.partner", count
        )

    def _file_name(self, fmt):
        name = re.sub(r'[\\/:*?"<>|]+', "-", self.display_name or self.name)
        return "%s.%s" % (name, fmt)

    def _attach(self, path, fmt):
        with open(path, "rb") as handle:
            data = handle.read()
        return self._attach_raw(data, fmt)

    def _attach_raw(self, data, fmt):
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self._file_name(fmt),
                    "raw": data,
                    "mimetype": MIMETYPES[fmt],
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )

    def _render_pdf(self):
        if not self.has_lines:
            self.message_post(body=_("No PDF: the result is too large for a printable report."))
            return False
        # in the reader's language and time zone (a background run renders
        # in its requester's: the cron has neither)
        background = self.env.context.get("crm_report_background")
        lang = (self.user_id.lang if background else None) or self.env.lang
        tz = (self.user_id.tz if background else None) or self.env.context.get("tz")
        content, _fmt = (
            self.env["ir.actions.report"]
            .sudo()
            .with_context(lang=lang, tz=tz or "Asia/Hong_Kong")
            ._render_qweb_pdf("crm_retail_compile.action_report_crm_report_run", self.ids)
        )
        return self.with_context(lang=lang)._attach_raw(content, "pdf")

    def _report_progress(self, rows_done):
        """Record progress from a separate transaction (visible at once)."""
        if not self.env.context.get("crm_report_background"):
            return
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    """
                    INSERT INTO crm_report_run_progress (run_id, rows_done, heartbeat)
                    VALUES (%(run)s, %(rows)s, now() AT TIME ZONE 'UTC')
                    ON CONFLICT (run_id) DO UPDATE
                       SET rows_done = EXCLUDED.rows_done, heartbeat = EXCLUDED.heartbeat
                    """,
                    run=self.id,
                    rows=rows_done,
                )
            )

    def _notify(self, message, kind):
        # a scheduled delivery sends its own message with the files: no
        # second "ready" message to the same person
        if kind == "success" and self.env.context.get("crm_report_delivery"):
            return
        # posted by OdooBot: the requester may be an API user without e-mail
        self.message_post(
            body=message,
            partner_ids=self.user_id.partner_id.ids,
            author_id=self.env.ref("base.partner_root").id,
        )
        self.user_id._bus_send(
            "simple_notification",
            {"type": kind, "title": _("Report"), "message": message, "sticky": False},
        )

    def _output_attachments(self):
        """The run's files, rendered first if need be (the scheduled
        delivery attaches them to its e-mail)."""
        attachments = self.env["ir.attachment"]
        for run in self:
            attachments |= run._ensure_files()
        return attachments

    # ------------------------------------------------------------------
    # Background queue
    # ------------------------------------------------------------------
    @api.model
    def _remove_orphan_temp_dirs(self, max_age=TMP_MAX_AGE):
        """Remove the working directories of compiles whose process died (a
        killed worker cannot clean up after itself): the process id is in
        the name; directories of live processes are kept unless older than
        ``max_age`` seconds (a reused process id). Returns their number."""
        root = tempfile.gettempdir()
        removed = 0
        now = time.time()
        for name in os.listdir(root):
            if not name.startswith(TMP_PREFIX):
                continue
            path = os.path.join(root, name)
            pid = name[len(TMP_PREFIX) :].split("_", 1)[0]
            try:
                alive = pid.isdigit() and _process_alive(int(pid))
                if alive and (int(pid) == os.getpid() or now - os.path.getmtime(path) < max_age):
                    continue
                shutil.rmtree(path)
                removed += 1
            except OSError as error:  # another worker removed it, or not ours
                _logger.debug("Report temp dir %s not removed: %s", path, error)
        return removed

    @api.model
    def _cron_process_queue(self, limit=5):
        """Run queued reports; requeue runs interrupted by a crash, and
        remove the working files they left."""
        self._remove_orphan_temp_dirs()
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_report_run r SET state = 'queued'
                  FROM crm_report_run_progress p
                 WHERE p.run_id = r.id AND r.state = 'running'
                   AND p.heartbeat < (now() AT TIME ZONE 'UTC') - %s * INTERVAL '1 second'
                """,
                STALE_SECONDS,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_report_run r SET state = 'queued'
                 WHERE r.state = 'running' AND NOT EXISTS (
                       SELECT 1 FROM crm_report_run_progress p WHERE p.run_id = r.id)
                   AND r.write_date < (now() AT TIME ZONE 'UTC') - %s * INTERVAL '1 second'
                """,
                STALE_SECONDS,
            )
        )
        self.invalidate_model(["state"])
        done = 0
        for _i in range(limit):
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM crm_report_run WHERE state = 'queued' ORDER BY id "
                    "LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED"
                )
            )
            row = self.env.cr.fetchone()
            if not row:
                break
            run = self.browse(row[0]).with_context(crm_report_background=True)
            run._report_progress(0)
            run._execute()
            done += 1
        # ir.cron progress (done and remaining of this call): the scheduler
        # calls again at once while runs are still queued, and stops when the
        # queue is empty
        self.env["ir.cron"]._notify_progress(done=done, remaining=self._count_queued())
        return done

    @api.model
    def _count_queued(self):
        """Runs still waiting in the queue (whoever requested them)."""
        self.flush_model(["state"])
        return self.env.execute_query(
            SQL("SELECT COUNT(*) FROM crm_report_run WHERE state = 'queued'")
        )[0][0]

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

    def action_download(self, fmt="xlsx"):
        self.ensure_one()
        if fmt not in ("xlsx", "csv", "pdf"):
            raise UserError(_("Unknown format %(fmt)s.", fmt=fmt))
        self._check_output_access()
        if fmt not in self._output_formats() or (
            not self.sudo()[f"{fmt}_attachment_id"] and not self.has_lines
        ):
            raise UserError(_("This run has no %(fmt)s output.", fmt=fmt.upper()))
        return {
            "type": "ir.actions.act_url",
            "url": f"/crm_retail_compile/report/{self.id}/{fmt}",
            "target": "self",
        }

    def action_download_xlsx(self):
        return self.action_download("xlsx")

    def action_download_csv(self):
        return self.action_download("csv")

    def action_download_pdf(self):
        return self.action_download("pdf")

    def _log_download(self, user=None, kind_label=None):
        """Log a download or a sending in the privacy export log."""
        self.ensure_one()
        user = user or self.env.user
        dataset = self.template_id._get_dataset()
        purpose = self.template_id.purpose or self.template_id.name
        if kind_label:
            purpose = f"{purpose} ({kind_label})"
        columns = [label for _code, label, _kind in self._columns()]
        ExportLog = self.env["crm.privacy.export.log"].with_user(user)
        if self.template_id.detail == "customer" and report_engine.sensitivity_allows(
            "confidential", self._clearance()
        ):
            # identified customer rows: each download takes personal data out
            # and is charged to the user's export budget
            return ExportLog._charge(
                "res.partner", self.row_count, columns, kind="report", purpose=purpose
            )
        return ExportLog._log_export(dataset.model, [], columns, kind="report", purpose=purpose)

    def _check_output_access(self):
        """Check again, at download time, that the current user may have this
        run's files: the run (department rule), its template (the user's
        department clearance), the run's department being the template's,
        and every branch the run covers being one of the user's."""
        self.ensure_one()
        self.check_access("read")
        user = self.env.user
        denied = AccessError(_("You are not allowed to download this report."))
        template = self.template_id
        try:
            template.check_access("read")
        except AccessError:
            raise denied from None
        # read as superuser after the checks above: the run's own values
        run = self.sudo()
        if run.retail_department_id != run.template_id.retail_department_id:
            raise denied
        all_departments = (
            self.env.su
            or user.has_group("crm_retail_compile.group_retail_admin")
            or user.has_group("crm_privacy_pdpo.group_privacy_officer")
        )
        if not all_departments and user.retail_department_id != run.retail_department_id:
            raise denied
        if user.retail_branch_scoped and not self.env.su:
            covered = run.branch_ids
            if not covered:
                # no branch chosen: the branches its requester could see
                requester = run.user_id
                covered = (
                    requester.retail_branch_ids
                    if requester.retail_branch_scoped
                    else self.env["crm.retail.branch"].sudo().search([])
                )
            if covered - user.sudo().retail_branch_ids:
                raise denied
        return True

    def _get_output(self, fmt):
        """The attachment of ``fmt`` for a download, after the access checks:
        the run's and its template's (``_check_output_access``), and the file
        being the run's own output."""
        self.ensure_one()
        if fmt not in ("xlsx", "csv", "pdf"):
            raise UserError(_("This run has no such output."))
        self._check_output_access()
        if self.state != "done":
            raise UserError(_("The report has not been compiled yet."))
        # rendered on the first download, then kept (after the checks above)
        self._ensure_files([fmt])
        attachment = self.sudo()[f"{fmt}_attachment_id"]
        if not attachment:
            raise UserError(_("This run has no such output."))
        if attachment.res_model != self._name or attachment.res_id != self.id:
            raise AccessError(_("This file is not an output of the report run."))
        self._log_download()
        return attachment


class _FieldResolver:
    """Field paths of a dataset model as SQL, joining the tables they need."""

    def __init__(self, model, query):
        self.model = model
        self.query = query

    def _walk(self, path):
        model, alias = self.model, self.query.table
        names = path.split(".")
        for name in names[:-1]:
            field = model._fields.get(name)
            if not field or field.type != "many2one" or not field.store:
                raise UserError(_("The report field %(path)s cannot be used.", path=path))
            comodel = model.env[field.comodel_name]
            alias = self.query.left_join(alias, name, comodel._table, "id", name)
            model = comodel
        field = model._fields.get(names[-1])
        if not field or not (field.store or names[-1] == "id"):
            raise UserError(
                _("The report field %(path)s does not exist or is not stored.", path=path)
            )
        return model, alias, field

    def field_sql(self, path):
        model, alias, field = self._walk(path)
        return model._field_to_sql(alias, field.name, self.query)

    def field_type(self, path):
        _model, _alias, field = self._walk(path)
        return field.type

    def _unknown(self):
        return self.model.env._("Unknown")

    def label_sql(self, path):
        model, alias, field = self._walk(path)
        value = model._field_to_sql(alias, field.name, self.query)
        if field.type == "many2one":
            comodel = model.env[field.comodel_name]
            target = self.query.left_join(alias, field.name, comodel._table, "id", field.name)
            if comodel._name == "res.users":
                partner = self.query.left_join(
                    target, "partner_id", "res_partner", "id", "partner_id"
                )
                label = SQL.identifier(partner, "name")
            else:
                label = comodel._field_to_sql(target, comodel._rec_name or "id", self.query)
                lang = self.model.env.lang or ""
                if lang.startswith("zh") and "name_zh" in comodel._fields:
                    # e.g. the districts: a Chinese name beside the English one
                    local = comodel._field_to_sql(target, "name_zh", self.query)
                    label = SQL("COALESCE(NULLIF(%s, ''), %s)", local, label)
            return SQL("%s::text", label), [value, label]
        if field.type == "selection":
            selection = field._description_selection(model.env)
            if not selection:
                return SQL("%s::text", value), [value]
            # an "unknown" band is labelled like a missing value
            cases = SQL(" ").join(
                SQL("WHEN %s THEN %s", key, self._unknown() if key == "unknown" else label)
                for key, label in selection
            )
            return SQL("CASE %s %s ELSE %s::text END", value, cases, value), [value]
        return SQL("%s::text", value), [value]

    def special_sql(self, name):
        if name == "won_flag":
            stage = self.query.left_join(
                self.query.table, "stage_id", "crm_stage", "id", "stage_id"
            )
            return SQL(
                "(%s AND %s)",
                SQL.identifier(stage, "is_won"),
                SQL.identifier(self.query.table, "active"),
            )
        return self.field_sql(name)


def _without_total(rows, index, total_rows):
    """``rows`` but the grand-total row (its GROUPING() marker at ``index``
    set), which goes to the list ``total_rows`` (when given)."""
    for row in rows:
        if row[index]:
            if total_rows is not None:
                total_rows.append(row)
        else:
            yield row


class _FirstRow:
    """Keeps the first row of a result (a one-row result is its own total)."""

    row = None

    def add_row(self, row):
        if self.row is None:
            self.row = row


class _LineSink:
    """Keeps the rows as crm.report.line (for pivot, graph and list views,
    and the files rendered on download) while they are few enough;
    inserted in batches, one statement per batch. A ratio's numerator and
    denominator go to the hidden slots of its measure."""

    def __init__(self, run, compiled):
        self.run = run
        self.kept = True
        self.buffer = []
        self.seq = 0
        self.unknown = run._unknown_label(run.user_id.lang or run.env.lang)
        fields, indexes = [], []
        self.dim_indexes = []
        dim_slot = measure_slot = 0
        for index, (code, _label, kind) in enumerate(compiled.columns):
            if code in ("period", "customer"):
                fname = code
            elif kind in report_engine.MEASURE_KINDS:
                measure_slot += 1
                fname = f"m_{measure_slot}"
                if index in compiled.parts:
                    numerator, denominator = compiled.parts[index]
                    fields += [f"n_{measure_slot}", f"d_{measure_slot}"]
                    indexes += [numerator, denominator]
            else:
                dim_slot += 1
                fname = f"dim_{dim_slot}"
                if index in compiled.dimension_indexes:
                    self.dim_indexes.append(index)
            fields.append(fname)
            indexes.append(index)
        # the template's constraint keeps a template within the slots
        if dim_slot > DIM_SLOTS or measure_slot > MEASURE_SLOTS:
            raise UserError(
                _(
                    "This report has more columns than a result holds (%(dims)s dimensions, "
                    "%(measures)s measures).",
                    dims=DIM_SLOTS,
                    measures=MEASURE_SLOTS,
                )
            )
        self.fields, self.indexes = fields, indexes

    def add_row(self, row):
        if not self.kept:
            return
        self.seq += 1
        if self.seq > LINE_LIMIT:
            self.kept = False
            self.run.env.cr.execute(
                SQL("DELETE FROM crm_report_line WHERE run_id = %s", self.run.id)
            )
            self.buffer = []
            return
        unknown = self.unknown
        has_unknown = any(row[i] == unknown for i in self.dim_indexes)
        self.buffer.append([self.run.id, self.seq, has_unknown] + [row[i] for i in self.indexes])
        if len(self.buffer) >= 2000:
            self.flush()

    def flush(self):
        if not self.buffer:
            return
        columns = ", ".join(["run_id", "sequence", "has_unknown", *self.fields])
        # the column names are our own constants (slots above), values are
        # passed as parameters
        psycopg2.extras.execute_values(
            self.run.env.cr._obj,
            f"INSERT INTO crm_report_line ({columns}) VALUES %s",  # pylint: disable=sql-injection
            self.buffer,
        )
        self.buffer = []

    def close(self):
        if self.kept:
            self.flush()
        self.run.env["crm.report.line"].invalidate_model()

    def abort(self):
        self.buffer = []  # the savepoint discards what was inserted
