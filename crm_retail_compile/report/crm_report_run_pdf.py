"""The printable department report: a compact summary in the reader's
language (an aggregated run prints its totals and its top rows by the main
measure; the XLSX holds every row)."""

import json

from babel.dates import format_skeleton

from odoo import api, models
from odoo.tools import LazyTranslate
from odoo.tools.misc import babel_locale_parse, format_date, formatLang
from odoo.tools.translate import code_translations

_lt = LazyTranslate(__name__)

# Rows an aggregated run prints; the others are in its XLSX or CSV.
TOP_ROWS = 50
SUITE_MODULES = ("crm_retail_compile", "crm_jewellery_ext", "crm_privacy_pdpo")
MEASURE_KINDS = ("monetary", "number", "percent", "integer")
PERIOD_SKELETONS = {"month": "yMMM", "quarter": "yQQQ", "year": "y"}
# The column labels of lib/report_engine.py and of the add-ons' datasets, for
# translation (test_report_pdf checks that none is missing).
COLUMN_LABELS = (
    # campaigns (lib/report_engine.py CAMPAIGNS)
    _lt("Bounced"),
    _lt("Campaign"),
    _lt("Click Rate %"),
    _lt("Clicked"),
    _lt("Mailing"),
    _lt("E-mail or SMS"),
    _lt("Open Rate %"),
    _lt("Opened"),
    _lt("Opted Out"),
    _lt("Recipients"),
    _lt("Sent"),
    # online activity (lib/report_engine.py ONLINE_ACTIVITY)
    _lt("Activities"),
    _lt("Activity"),
    _lt("Cart Additions"),
    _lt("Online Orders"),
    _lt("Product Views"),
    _lt("Sessions"),
    # sales channels (lib/report_engine.py SALES_EVENTS, SALES_PROFIT, ORDER_LINES)
    _lt("Sales Channel"),
    _lt("Main Sales Channel"),
    _lt("Revenue In Store"),
    _lt("Revenue Online"),
    _lt("Revenue Wholesale"),
    _lt("Revenue by Telephone"),
    _lt("Age Band"),
    _lt("Average Basket"),
    _lt("Average Discount %"),
    _lt("Average Rating"),
    _lt("Branch"),
    _lt("Channel"),
    _lt("Consent or Opt-out"),
    _lt("Conversion Rate %"),
    _lt("Cost"),
    _lt("Customer"),
    _lt("Customers"),
    _lt("Data Quality Score"),
    _lt("District"),
    _lt("Email"),
    _lt("Events"),
    _lt("Expected Revenue"),
    _lt("Home Branch"),
    _lt("Issues"),
    _lt("Language"),
    _lt("Leads"),
    _lt("Lost Reason"),
    _lt("Low Ratings"),
    _lt("Margin %"),
    _lt("Members"),
    _lt("Membership No."),
    _lt("Orders"),
    _lt("Phone"),
    _lt("Product"),
    _lt("Product Category"),
    _lt("Profit"),
    _lt("Purpose"),
    _lt("Quantity"),
    _lt("Records"),
    _lt("Residency"),
    _lt("Returns"),
    _lt("Revenue"),
    _lt("Reviews"),
    _lt("Rule"),
    _lt("Sales Team"),
    _lt("Salesperson"),
    _lt("Segment"),
    _lt("Severity"),
    _lt("Source"),
    _lt("Stage"),
    _lt("Status"),
    _lt("Step"),
    _lt("Tier"),
    _lt("Won"),
    _lt("Unknown"),
)


class ReportCrmReportRun(models.AbstractModel):
    _name = "report.crm_retail_compile.report_crm_report_run"
    _description = "Department Report (PDF)"

    @api.model
    def _get_report_values(self, docids, data=None):
        runs = self.env["crm.report.run"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "crm.report.run",
            "docs": runs,
            "summaries": {run.id: self._summary(run) for run in runs},
        }

    # ------------------------------------------------------------------
    # formatting in the reader's language
    # ------------------------------------------------------------------
    def _label(self, label):
        lang = self.env.lang or "en_US"
        if lang == "en_US":
            return label
        for module in SUITE_MODULES:
            translated = code_translations.get_python_translations(module, lang).get(label)
            if translated:
                return translated
        return label

    def _period_label(self, template, code):
        selection = dict(template._fields["period"]._description_selection(self.env))
        return selection.get(code) or code

    def _format_period(self, value, period):
        if not value:
            return ""
        skeleton = PERIOD_SKELETONS.get(period)
        if skeleton:
            locale = babel_locale_parse(self.env.lang or "en_US")
            return format_skeleton(skeleton, value, locale=locale)
        return format_date(self.env, value)

    def _money(self, value, currency):
        symbol = "HK$" if currency.name == "HKD" else currency.symbol or currency.name
        value = value or 0.0
        # the sign before the symbol: -HK$1,234.50
        sign = "-" if value < 0 else ""
        number = formatLang(self.env, abs(value), digits=2)
        if currency.position == "after":
            return "%s%s %s" % (sign, number, symbol)
        return "%s%s%s" % (sign, symbol, number)

    def _number(self, value, integral):
        return formatLang(self.env, value or 0.0, digits=0 if integral else 2)

    def _format(self, kind, value, currency, integral):
        if kind == "monetary":
            return self._money(value, currency)
        if kind == "percent":
            return "%s%%" % formatLang(self.env, value or 0.0, digits=1)
        return self._number(value, integral)

    def _period_text(self, run):
        """The run's dates, without empty parts around a missing one."""
        date_from = format_date(self.env, run.date_from) if run.date_from else ""
        date_to = format_date(self.env, run.date_to) if run.date_to else ""
        if date_from and date_to:
            return self.env._("%(from)s to %(to)s", **{"from": date_from, "to": date_to})
        if date_from:
            return self.env._("from %(date)s", date=date_from)
        if date_to:
            return self.env._("until %(date)s", date=date_to)
        return self.env._("all dates")

    # ------------------------------------------------------------------
    # the summary
    # ------------------------------------------------------------------
    def _summary(self, run):
        """The printable summary of ``run``: its typed columns (labels in
        the reader's language), totals and top rows by the main measure."""
        template = run.template_id
        specs = run._column_specs()
        currency = run._currency()
        slots = [spec["slot"] for spec in specs]
        measures = [s for s in specs if s["slot"] and s["kind"] in MEASURE_KINDS]
        main_spec = next(
            (s for s in measures if s["kind"] == "monetary"), measures[0] if measures else None
        )
        main = main_spec["slot"] if main_spec else None
        aggregated = template.detail != "customer"
        Line = self.env["crm.report.line"].sudo()
        domain = [("run_id", "=", run.id)]
        if aggregated and main:
            lines = Line.search(domain, order="%s desc nulls last, sequence" % main, limit=TOP_ROWS)
        else:
            lines = Line.search(domain, order="sequence")
        rows_data = [[line[slot] if slot else None for slot in slots] for line in lines]
        totals = json.loads(run.totals_json or "{}")
        # a count prints as an integer (and a number whose values are all whole)
        integral = {}
        for index, spec in enumerate(specs):
            if spec["kind"] == "integer":
                integral[index] = True
            elif spec["kind"] == "number":
                values = [row[index] for row in rows_data]
                if spec["code"] in totals:
                    values.append(totals[spec["code"]])
                integral[index] = all(float(v or 0).is_integer() for v in values)
        headers = [spec["label"] for spec in specs]
        aligns = ["text-end" if spec["kind"] in MEASURE_KINDS else "" for spec in specs]
        rows = []
        for row in rows_data:
            cells = []
            for index, spec in enumerate(specs):
                value = row[index]
                if spec["code"] == "period":
                    cells.append(self._format_period(value, template.period))
                elif spec["kind"] in MEASURE_KINDS:
                    cells.append(self._format(spec["kind"], value, currency, integral.get(index)))
                else:
                    cells.append(value or "")
            rows.append(cells)
        total_cells = None
        if any(spec["code"] in totals for spec in specs):
            total_cells = []
            for index, spec in enumerate(specs):
                if spec["code"] in totals and spec["kind"] in MEASURE_KINDS:
                    total_cells.append(
                        self._format(
                            spec["kind"], totals[spec["code"]], currency, integral.get(index)
                        )
                    )
                else:
                    total_cells.append("")
            total_cells[0] = total_cells[0] or self.env._("Total")
        more = run.row_count - len(rows) if aggregated else 0
        formats = run._output_formats()
        where = (
            "XLSX"
            if "xlsx" in formats
            else "CSV"
            if "csv" in formats
            else self.env._("result lines")
        )
        main_label = main_spec["label"] if main_spec else ""
        subtitle = [
            run.retail_department_id.name or "",
            self._period_text(run),
            self.env._("%(count)s rows", count=formatLang(self.env, run.row_count, digits=0)),
        ]
        return {
            "title": template.name,
            "subtitle": " · ".join(part for part in subtitle if part),
            "requested_by": run.user_id.name,
            "headers": headers,
            "aligns": aligns,
            "rows": rows,
            "totals": total_cells,
            "top_note": (
                self.env._(
                    "Top %(count)s rows by %(measure)s.", count=len(rows), measure=main_label
                )
                if aggregated and more > 0
                else ""
            ),
            "more_note": (
                self.env._(
                    "%(count)s more rows in the %(file)s.",
                    count=formatLang(self.env, more, digits=0),
                    file=where,
                )
                if more > 0
                else ""
            ),
        }
