"""crm.report.run: read a dataset's pre-aggregated source when it gives the
same figures (lib/report_rollup.py decides; crm.sales.line.rollup for the
order lines). Any run profits: the query tool's ad-hoc queries, templates,
scheduled runs. Turned off by the system parameter
``crm_retail_compile.report_rollup`` = 0 (every run reads the raw rows)."""

import dataclasses
import logging

from odoo import models

from ..lib import report_engine, report_rollup
from .crm_sales_line_rollup import ROLLUP_TZ, RUN_REFRESH_MAX

_logger = logging.getLogger(__name__)

ROLLUP_PARAM = "crm_retail_compile.report_rollup"


class CrmReportRun(models.Model):
    _inherit = "crm.report.run"  # pylint: disable=consider-merging-classes-inherited

    def _compile(self, spec=None, with_total=False):
        self.ensure_one()
        spec = self._rollup_spec(spec or self.template_id._get_spec())
        # the monthly cells, when they answer the query exactly
        # (crm_report_run_cells.py): their distinct totals come from a
        # second, as small, query (``_distinct_totals``), never a total row
        compiled = self._cells_compile(spec)
        if compiled is not None:
            return compiled
        return super()._compile(spec, with_total=with_total)

    def _rollup_spec(self, spec):
        """``spec`` reading the pre-aggregated source when that gives the
        same figures as the raw rows for this run, else ``spec``."""
        if self.env.context.get("crm_report_no_rollup"):
            return spec
        param = self.env["ir.config_parameter"].sudo().get_param(ROLLUP_PARAM, "1")
        if (param or "1").strip() in ("0", "false", "False"):
            return spec
        dataset = self.template_id._get_datasets().get(spec.dataset)
        if dataset is None or dataset.rollup is None:
            return spec
        try:
            filters = report_engine.parse_domain(self.template_id.filter_domain)
        except (ValueError, SyntaxError, TypeError):
            return spec  # the raw path says what is wrong
        if not report_rollup.covers(spec, dataset, filters):
            return spec
        if (self.user_id.tz or "Asia/Hong_Kong") != ROLLUP_TZ:
            return spec
        source = dataset.rollup.model
        Rule = self.env["ir.rule"].with_user(self.user_id)
        if not report_rollup.same_rules(
            Rule._compute_domain(dataset.model, "read"), Rule._compute_domain(source, "read")
        ):
            return spec
        if not all(
            self.env[model].with_user(self.user_id).has_access("read")
            for model in (dataset.model, source)
        ):
            return spec
        if self._reads_replica():
            # a refresh here, on the primary, would reach the replica later:
            # the replica's rows serve when nothing is queued there
            with self._report_cursor() as cr:
                if not self.env[source].sudo()._is_current(cr):
                    _logger.info("Run %s reads the raw rows: the replica's are behind", self.id)
                    return spec
            return dataclasses.replace(spec, rollup=True)
        # up to date with the lines this transaction sees (sudo: the rows
        # are system data, written with SQL; the checks above are done)
        if self.env[source].sudo()._refresh(limit=RUN_REFRESH_MAX) is None:
            _logger.info("Run %s reads the raw rows: the pre-aggregated rows are behind", self.id)
            return spec
        return dataclasses.replace(spec, rollup=True)
