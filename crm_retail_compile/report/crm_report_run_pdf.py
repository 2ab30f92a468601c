"""The printable department report: a compact summary in the reader's
language (an aggregated run prints its totals and its top rows by the main
measure; the XLSX holds every row)."""

import json

from babel.dates import format_skeleton

from odoo import api, models
from odoo.tools import LazyTranslate
from odoo.tools.misc import babel_locale_parse, format_date, formatLang
from odoo.tools.translate import code_translations

from ..models.crm_report_run import DIM_SLOTS, MEASURE_SLOTS

_lt = LazyTranslate(__name__)

# Rows an aggregated run prints; the others are in its XLSX or CSV.
TOP_ROWS = 50
SUITE_MODULES = ("crm_retail_compile", "crm_jewellery_ext", "crm_privacy_pdpo")
MEASURE_KINDS = ("monetary", "number", "percent")
PERIOD_SKELETONS = {"month": "yMMM", "quarter": "yQQQ", "year": "y"}
# The column labels of lib/report_engine.py and of the add-ons' datasets, for
# translation (test_report_pdf checks that none is missing).
COLUMN_LABELS = (
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
        number = formatLang(self.env, value or 0.0, digits=2)
        if currency.position == "after":
            return "%s %s" % (number, symbol)
        return "%s%s" % (symbol, number)

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
    @api.model
    def _slots(self, columns):
        """The crm.report.line field of each column (None: only in the files)."""
        slots, measure, dim = [], 0, 0
        for code, _label, kind in columns:
            if code in ("period", "customer"):
                slots.append(code)
            elif kind in MEASURE_KINDS:
                measure += 1
                slots.append("m_%s" % measure if measure <= MEASURE_SLOTS else None)
            else:
                dim += 1
                slots.append("dim_%s" % dim if dim <= DIM_SLOTS else None)
        return slots

    def _summary(self, run):
        template = run.template_id
        columns = run._columns()
        currency = run.env.company.currency_id
        slots = self._slots(columns)
        measure_slots = [
            s for s, c in zip(slots, columns, strict=True) if s and c[2] in MEASURE_KINDS
        ]
        main = next(
            (s for s, c in zip(slots, columns, strict=True) if s and c[2] == "monetary"),
            measure_slots[0] if measure_slots else None,
        )
        aggregated = template.detail != "customer"
        Line = self.env["crm.report.line"].sudo()
        domain = [("run_id", "=", run.id)]
        if aggregated and main:
            lines = Line.search(domain, order="%s desc nulls last, sequence" % main, limit=TOP_ROWS)
        else:
            lines = Line.search(domain, order="sequence")
        rows_data = [[line[slot] if slot else None for slot in slots] for line in lines]
        totals = json.loads(run.totals_json or "{}")
        # a count prints as an integer: every value of its column is whole
        integral = {}
        for index, (code, _label, kind) in enumerate(columns):
            if kind == "number":
                values = [row[index] for row in rows_data]
                if code in totals:
                    values.append(totals[code])
                integral[index] = all(float(v or 0).is_integer() for v in values)
        headers, aligns = [], []
        for code, label, kind in columns:
            if code == "period":
                headers.append(self._period_label(template, label))
            else:
                headers.append(self._label(label))
            aligns.append("text-end" if kind in MEASURE_KINDS else "")
        rows = []
        for row in rows_data:
            cells = []
            for index, (code, _label, kind) in enumerate(columns):
                value = row[index]
                if code == "period":
                    cells.append(self._format_period(value, template.period))
                elif kind in MEASURE_KINDS:
                    cells.append(self._format(kind, value, currency, integral.get(index)))
                else:
                    cells.append(value or "")
            rows.append(cells)
        total_cells = None
        if any(code in totals for code, _label, _kind in columns):
            total_cells = []
            for index, (code, _label, kind) in enumerate(columns):
                if code in totals and kind in MEASURE_KINDS:
                    total_cells.append(
                        self._format(kind, totals[code], currency, integral.get(index))
                    )
                else:
                    total_cells.append("")
            total_cells[0] = total_cells[0] or self.env._("Total")
        more = run.row_count - len(rows) if aggregated else 0
        where = (
            "XLSX"
            if run.xlsx_attachment_id
            else "CSV"
            if run.csv_attachment_id
            else self.env._("result lines")
        )
        main_label = headers[slots.index(main)] if main else ""
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
