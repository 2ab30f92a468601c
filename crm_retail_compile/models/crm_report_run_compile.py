"""crm.report.run: compiling and executing a run. One set-based query with
the requester's rules (lib/report_engine.py), its rows streamed (from a
server-side cursor for customer-level results) into the result lines, the totals and, for background
runs, the files (lib/report_stream.py)."""

import dataclasses
import datetime
import itertools
import json
import logging
import time
from contextlib import contextmanager

import psycopg2.extras

from odoo import _, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..lib import pg_settings, report_engine, report_stream, report_workdir, report_writers
from .crm_report_run_job import is_transient

_logger = logging.getLogger(__name__)

# server-side cursors of this process, each named apart
_CURSOR_NUMBERS = itertools.count(1)
# PostgreSQL memory for sorting and grouping a report's rows
WORK_MEM_PARAM = "crm_retail_compile.report_work_mem"
DEFAULT_WORK_MEM = "256MB"


class CrmReportRun(models.Model):
    _inherit = "crm.report.run"  # pylint: disable=consider-merging-classes-inherited

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
        return self._compile_query(spec, datasets, Model._search(domain), Model, with_total)

    def _compile_query(self, spec, datasets, query, Model, with_total=False):
        """Compile ``spec`` over ``query`` (a Query of ``Model``, the rows
        it reads with their rules and filters): labels in ``Model``'s
        language, the run's clearance and time zone."""
        lang = Model.env.lang or "en_US"
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

    def _reads_replica(self):
        """Whether the run's rows are read on the read replica (when
        ``db_replica_host`` is set): background compiles, and the query
        tool's runs (``crm_report_replica``), which read committed data
        only. Other runs read the current transaction."""
        context = self.env.context
        return bool(
            tools.config.get("db_replica_host")
            and (context.get("crm_report_background") or context.get("crm_report_replica"))
        )

    @contextmanager
    def _report_cursor(self):
        """A read-only cursor (on the replica, when ``db_replica_host`` is
        set) for background compilation; the current cursor otherwise, so
        that a run sees the data of its own transaction."""
        if self._reads_replica():
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
        if not report_stream.valid_work_mem(work_mem):
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
            if any(code == "customer" for code, _label, _kind in compiled.columns):
                yield from report_rows(cr, compiled.query, f"crm_report_run_{self.id}")
            else:
                # an aggregated result is small: a plain query, which
                # PostgreSQL may run in parallel (never through a cursor)
                yield from plain_rows(cr, compiled.query)

    def _execute(self, raise_transient=False):
        """Compile the run; on failure the run says why and keeps no file.
        ``raise_transient``: a transient database error (see
        ``crm_report_run_job.is_transient``) is raised after the rollback of
        the run's outputs, for its job to retry later."""
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
        except Exception as error:  # any failure ends the run cleanly
            # the savepoint rolled back every output of this run
            if raise_transient and is_transient(error):
                raise
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
                    report_stream.columns_payload(columns, compiled.aggregations)
                )
            }
        )
        # files rendered by the job are in the requester's language
        reader = (
            self.with_context(lang=self.user_id.lang, tz=self.user_id.tz) if background else self
        )
        with report_workdir.workdir(self.id) as tmp:
            totals = report_writers.Totals(columns, compiled.aggregations, compiled.parts)
            lines = _LineSink(self, compiled)
            files = reader._file_sinks(tmp, columns) if background else {}
            first = report_stream.FirstRow()
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
        indexes = report_stream.distinct_indexes(compiled.columns, compiled.aggregations)
        codes = list(indexes)
        if not codes:
            return {}
        known = report_stream.distinct_totals_from_rows(indexes, count, first, total)
        if known is not None:
            return known
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
        # the server-side cursor is closed at the end, inside the savepoint
        return report_stream.pump(
            self._stream(compiled),
            sinks,
            total_index=compiled.total_index,
            total_rows=total_rows,
            progress=self._report_progress,
        )

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


def report_rows(cr, query, name, batch=5000):
    """The rows of ``query`` (an SQL object), fetched in batches from a
    server-side cursor on ``cr`` (constant memory). The cursor is closed
    once read; one left open by an error ends with its transaction (or
    savepoint), and each has its own name."""
    cursor = SQL.identifier(f"{name}_{next(_CURSOR_NUMBERS)}")
    cr.execute(SQL("DECLARE %s NO SCROLL CURSOR FOR %s", cursor, query))
    while True:
        cr.execute(SQL("FETCH FORWARD %s FROM %s", batch, cursor))
        rows = cr.fetchall()
        if not rows:
            break
        yield from rows
    cr.execute(SQL("CLOSE %s", cursor))


def plain_rows(cr, query, batch=5000):
    """The rows of ``query`` (an SQL object) by one plain query: for
    results that fit in memory (aggregated reports)."""
    cr.execute(query)
    while rows := cr.fetchmany(batch):
        yield from rows


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
        # or a related field the model turns into SQL: the customer's
        # analytics (res.partner.rfm_segment, ... in crm_customer_analytics)
        if not field or not (field.store or names[-1] == "id" or field.related):
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


class _LineSink(report_stream.LineBuffer):
    """Keeps the rows as crm.report.line (for pivot, graph and list views,
    and the files rendered on download) while they are few enough;
    inserted in batches, one statement per batch. A ratio's numerator and
    denominator go to the hidden slots of its measure."""

    def __init__(self, run, compiled):
        self.run = run
        slots = report_stream.line_slots(
            compiled.columns, compiled.parts, compiled.dimension_indexes
        )
        # the template's constraint keeps a template within the slots
        if slots[3] > report_stream.DIM_SLOTS or slots[4] > report_stream.MEASURE_SLOTS:
            raise UserError(
                _(
                    "This report has more columns than a result holds (%(dims)s dimensions, "
                    "%(measures)s measures).",
                    dims=report_stream.DIM_SLOTS,
                    measures=report_stream.MEASURE_SLOTS,
                )
            )
        super().__init__(run.id, slots, run._unknown_label(run.user_id.lang or run.env.lang))

    def drop(self):
        self.run.env.cr.execute(SQL("DELETE FROM crm_report_line WHERE run_id = %s", self.run.id))

    def insert(self, values):
        columns = ", ".join(["run_id", "sequence", "has_unknown", *self.fields])
        # the column names are our own constants (slots above), values are
        # passed as parameters
        psycopg2.extras.execute_values(
            self.run.env.cr._obj,
            f"INSERT INTO crm_report_line ({columns}) VALUES %s",  # pylint: disable=sql-injection
            values,
        )

    def close(self):
        result = super().close()
        self.run.env["crm.report.line"].invalidate_model()
        return result
