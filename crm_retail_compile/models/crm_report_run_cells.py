"""crm.report.run: answer an aggregated run from the monthly report cells
(crm.report.cell, lib/report_cells.py) when they give the same figures as
the rows, to the cent and to the customer; otherwise the run reads the rows.
Turned off by the system parameter ``crm_retail_compile.report_cells`` = 0;
sources under ``crm_retail_compile.report_cells_min_rows`` rows (200,000)
are read as they are.
"""

import dataclasses
import logging

from odoo import models
from odoo.tools import SQL

from ..lib import report_cells, report_engine, report_rollup
from .crm_report_cell_upkeep import RUN_APPLY_MAX

_logger = logging.getLogger(__name__)

CELLS_PARAM = "crm_retail_compile.report_cells"
# a source smaller than this (rows, as PostgreSQL estimates them) is read
# as it is: the cells' checks would cost more than they save
MIN_ROWS_PARAM = "crm_retail_compile.report_cells_min_rows"
DEFAULT_MIN_ROWS = 200_000


class CrmReportRun(models.Model):
    _inherit = "crm.report.run"  # pylint: disable=consider-merging-classes-inherited

    def _cells_compile(self, spec):
        """The run's query over the report cells (a CompiledReport), or
        None when the cells do not answer it exactly."""
        plan = self._cells_plan(spec)
        if plan is None:
            return None
        lang = self.user_id.lang or self.env.lang or "en_US"
        # sudo: the cells are system data; the requester's rules on the
        # source were applied to the plan's domain
        Cell = self.env[report_cells.CELL_MODEL].sudo().with_context(lang=lang)
        cell_spec = dataclasses.replace(spec, precalculated=False, rollup=False)
        compiled = self._compile_query(
            cell_spec, {spec.dataset: plan.dataset}, Cell._search(plan.domain), Cell
        )
        # the distinct counts (customers, orders) are sums of cells per row
        # only: never summed across rows
        compiled.aggregations = [
            "distinct" if code in plan.distinct else aggregation
            for (code, _label, _kind), aggregation in zip(
                compiled.columns, compiled.aggregations, strict=True
            )
        ]
        return compiled

    def _cells_reason(self, spec):
        """Why the run cannot read the cells (for logs and tests), or the
        Plan."""
        found = self._cells_source(spec)
        if isinstance(found, str):
            return found
        source, dataset, cell_dataset, filters = found
        if not self.env[source.model].with_user(self.user_id).has_access("read"):
            return "access"
        rules = self.env["ir.rule"].with_user(self.user_id)._compute_domain(source.model, "read")
        rules = list(rules or [])
        roots = report_rollup.domain_roots(rules)
        if roots is None or not roots <= set(report_cells.VISIBILITY):
            return "rules"
        Cell = self.env[report_cells.CELL_MODEL]
        if not self._reads_replica():
            # the changes this transaction sees, brought into the cells (sudo:
            # system data written with SQL; the checks above are done)
            Cell.sudo()._apply_log(source.code, limit=RUN_APPLY_MAX)
        with self._report_cursor() as cr:
            built, current, max_day, tz = Cell._state(source.code, cr)
            if not (built and current) or tz != report_cells.CELL_TZ:
                return "not current"
            family = report_cells.family_for(spec, source)
            if not report_cells.dates_fit(self.date_from, self.date_to, max_day, family):
                return "dates"
            units = [("source", "=", source.code), ("set_code", "=", "branch")]
            units.append(("family", "=", family))
            units.append(("kind", "=", report_cells.SUM_KIND))
            if self.date_from:
                units.append(("unit", ">=", self.date_from))
            if self.date_to:
                units.append(("unit", "<=", self.date_to))
            present = self._cells_pairs(cr, Cell, units)
            restricted = units + rules
            if self.branch_ids and "branch" in dataset.dimensions:
                restricted.append(("retail_branch_id", "in", self.branch_ids.ids))
            visible = self._cells_pairs(cr, Cell, restricted)
        if not present:
            return "no cells in the run's months"
        grouped = [d for d in spec.dimensions if d != "period"]
        grouped += [d for d in report_cells.filter_dims(source, filters) if d not in grouped]
        code = report_cells.choose_set(grouped, visible, present)
        if code is None:
            return "branches"
        if not self._cells_built(source, code, family):
            return "grain not built"
        companies = {company for company, _branch in visible} or {0}
        branches = None
        if "branch" in code.split(","):
            branches = {branch for _company, branch in visible}
        domain = report_cells.rows_domain(
            source, spec, code, self.date_from, self.date_to, companies, branches, filters, family
        )
        distinct = self._cells_distinct(source, dataset)
        return report_cells.Plan(
            set_code=code, domain=domain, dataset=cell_dataset, distinct=distinct
        )

    def _cells_source(self, spec):
        """(cell source, dataset read, cells dataset) of ``spec`` when the
        cells may answer its shape, else why not."""
        if self.env.context.get("crm_report_no_cells"):
            return "turned off"
        param = self.env["ir.config_parameter"].sudo().get_param(CELLS_PARAM, "1")
        if (param or "1").strip() in ("0", "false", "False"):
            return "turned off"
        if report_cells.CELL_MODEL not in self.env:
            return "no cells"
        try:
            dataset = spec.validate(self.template_id._get_datasets())
        except report_engine.ReportSpecError:
            return "spec"
        source = report_cells.source_for_model(dataset.model)
        if source is None:
            return "no cells for this source"
        if (self.user_id.tz or "Asia/Hong_Kong") != report_cells.CELL_TZ:
            return "time zone"
        if self._cells_small(source):
            return "small source"
        cell_fields = self.env[report_cells.CELL_MODEL]._cell_fields()
        cell_dataset = report_cells.cell_dataset(source, dataset, cell_fields)
        try:
            filters = report_engine.parse_domain(self.template_id.filter_domain)
        except (ValueError, SyntaxError, TypeError):
            return "filters"
        reason = report_cells.query_fits(
            spec, cell_dataset, filters, source, self._cells_distinct(source, dataset)
        )
        return reason or (source, dataset, cell_dataset, filters)

    def _cells_distinct(self, source, dataset):
        """The codes of the distinct counts (customers, orders) of ``dataset``."""
        return {
            code
            for code, (kind, _measure) in report_cells.source_measures(source, dataset).items()
            if kind == "distinct"
        }

    def _cells_small(self, source):
        """True when ``source`` holds fewer rows than the threshold."""
        param = self.env["ir.config_parameter"].sudo().get_param(MIN_ROWS_PARAM)
        try:
            threshold = int(param) if param not in (None, False, "") else DEFAULT_MIN_ROWS
        except ValueError:
            threshold = DEFAULT_MIN_ROWS
        if threshold <= 0:
            return False
        self.env.cr.execute(
            SQL("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", source.table)
        )
        row = self.env.cr.fetchone()
        return bool(row) and (row[0] or 0) < threshold

    def _cells_built(self, source, code, family="month"):
        """True when the cells of ``source`` hold the grain ``code`` of
        ``family`` (a dimension whose column the source lacks is not
        built)."""
        with self._report_cursor() as cr:
            cr.execute(
                SQL(
                    """SELECT 1 FROM crm_report_cell
                        WHERE source = %s AND set_code = %s AND family = %s LIMIT 1""",
                    source.code,
                    code,
                    family,
                )
            )
            return bool(cr.fetchone())

    def _cells_plan(self, spec):
        reason = self._cells_reason(spec)
        if isinstance(reason, str):
            _logger.debug("Run %s reads the rows, not the cells: %s", self.id, reason)
            return None
        return reason

    def _cells_pairs(self, cr, Cell, domain):
        """The (company, branch) pairs of the cells of ``domain``."""
        query = Cell.sudo()._search(domain)
        cr.execute(
            SQL(
                "SELECT DISTINCT %s, %s FROM %s WHERE %s",
                SQL.identifier(query.table, "company_id"),
                SQL.identifier(query.table, "retail_branch_id"),
                query.from_clause,
                query.where_clause or SQL("TRUE"),
            )
        )
        return {(company, branch) for company, branch in cr.fetchall()}
