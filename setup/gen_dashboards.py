"""Write the Retail CRM department dashboards (o-spreadsheet JSON, Odoo 18).

    .venv/bin/python setup/gen_dashboards.py [--check]

Every dashboard is one entry of the table ``DASHBOARDS`` below: its
department's add-on, its key, its global filters and its sections from top
to bottom (a row of ``Kpi``, one or two ``Chart``, a multi-measure
``Series``, one or two ``PivotTable``/``ListTable``). One ``Builder`` lays
them out in the format of Odoo's own dashboards (spreadsheet data version
21, like the files of ``spreadsheet_dashboard_sale``) and the script writes
``<addon>/data/spreadsheet_dashboard/<key>_dashboard.json``. Texts are
wrapped in ``_t()`` (cells) or are chart titles and filter labels: Odoo's
translation export picks them up from ``*_dashboard.json`` files under
``data/`` and the web client translates them when the dashboard is shown.
``--check`` fails when a file differs from what the script would write.

Every figure is computed by ``read_group``/``search_read`` as the user who
opens the dashboard, so the branch rules apply. Datasets never group by a
customer's personal fields (see the privacy classification).
"""

import argparse
import json
import os
import sys
import uuid
from typing import NamedTuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMESPACE = uuid.UUID("6f1f0d38-8b55-4a4e-9a0e-0c6f3c3b1e21")

COLS = {"0": {"size": 275}, "1": {"size": 100}, "2": {"size": 100}, "3": {"size": 50}}
COLS.update({"4": {"size": 275}, "5": {"size": 100}, "6": {"size": 100}})
ROW_HEIGHT = 23
TITLE_HEIGHT = 40
CHART_HEIGHT = 300
TABLE_ROWS = 10
SERIES_ROWS = 24  # months of a series chart (empty points are not drawn)
KPI_COLOURS = ("#EFF6FF", "#EFF6FF", "#FFF7ED", "#FFF7ED")
STYLES = {
    "1": {"textColor": "#01666b", "bold": True, "fontSize": 16},
    "2": {"textColor": "#434343", "fontSize": 11, "bold": True},
    "3": {"textColor": "#434343", "verticalAlign": "middle"},
    "4": {"textColor": "#434343", "fontSize": 11, "bold": True, "align": "center"},
    "5": {"bold": True},
    "6": {"fillColor": "#f2f2f2"},
}
FORMATS = {"1": "0.0%", "2": "#,##0"}
BORDERS = {"1": {"bottom": {"style": "thin", "color": "#CCCCCC"}}}

SALES_DONE = [["state", "=", "sale"]]
OPEN_REQUEST = [["state", "in", ["received", "verifying", "in_progress"]]]
RETAIL_CUSTOMER = [["is_retail_customer", "=", True]]
# days left before a request's statutory due date (negative: overdue)
DAYS_LEFT = (
    '=IFERROR(IF(ODOO.LIST({list},{line},"due_date")="","",'
    'ODOO.LIST({list},{line},"due_date")-TODAY()),"")'
)


def _id(*parts):
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _t(text):
    return '=_t("%s")' % text


def _dimension(groupby):
    """A pivot row of ``field`` or ``field:granularity`` (a date grouping
    is {fieldName, granularity, order} in Odoo 18, in date order)."""
    fname, _sep, granularity = groupby.partition(":")
    if not granularity:
        return {"fieldName": fname}
    return {"fieldName": fname, "granularity": granularity, "order": "asc"}


def col_name(index):
    return "ABCDEFG"[index]


class Kpi(NamedTuple):
    """A scorecard; ``measure`` may be "a/b" for a ratio of two measures."""

    label: str
    model: str
    domain: list
    measure: str
    matching: dict
    compare: bool = True  # against the previous period
    percent: bool = False


class Chart(NamedTuple):
    """An Odoo chart (``ctype`` line, bar or pie) of one measure."""

    title: str
    ctype: str
    model: str
    domain: list
    measure: str
    groupby: list
    matching: dict


class Series(NamedTuple):
    """A full-width line chart of several measures: [(measure, label)]."""

    title: str
    model: str
    domain: list
    rowfield: str
    measures: list
    header: str
    matching: dict


class PivotTable(NamedTuple):
    """A top-10 table grouped by ``rowfield``: [(measure, label)]."""

    title: str
    model: str
    domain: list
    rowfield: str
    measures: list
    header: str
    matching: dict


class ListTable(NamedTuple):
    """The first 10 records: [(field, label)], order [(field, asc)], and
    computed columns ``extra`` [(label, formula with {list} and {line})]."""

    title: str
    model: str
    domain: list
    fields: list
    order: list
    matching: dict
    extra: list = ()


class Dashboard(NamedTuple):
    """One dashboard: sections from top to bottom, each a list of Kpi, a
    list of one or two Chart, a Series, or a list of one or two tables."""

    addon: str
    key: str
    filters: list
    sections: list


class Builder:
    """One dashboard: global filters, data sources (pivots, lists) and the
    cells and figures of its two sheets (Dashboard, Data)."""

    def __init__(self, key, filters):
        self.key = key
        self.filters = filters  # [{key, type, label, ...}]
        self.pivots = {}
        self.lists = {}
        self.cells = {}
        self.styles = {}
        self.formats = {}
        self.borders = {}
        self.figures = []
        self.data_cells = {"A1": {"content": _t("KPI")}, "B1": {"content": _t("Current")}}
        self.data_cells["C1"] = {"content": _t("Previous")}
        self.data_row = 1
        self.data_col = 6  # next free column of the Data sheet for a series block
        self.data_rows = 0  # rows used by series blocks
        self.row = 0
        self.rows = {}
        self.menus = {}

    # -- data sources ---------------------------------------------------
    def _matching(self, matching, offset=0):
        result = {}
        for flt in self.filters:
            chain = matching.get(flt["key"])
            if not chain:
                continue
            if flt["type"] == "date":
                chain, field_type = chain
                result[_id(self.key, "filter", flt["key"])] = {
                    "chain": chain,
                    "type": field_type,
                    "offset": offset,
                }
            else:
                result[_id(self.key, "filter", flt["key"])] = {
                    "chain": chain,
                    "type": "many2one",
                }
        return result

    def pivot(self, name, model, domain, measures, matching, rows=(), offset=0, ranked=True):
        pid = str(len(self.pivots) + 1)
        self.pivots[pid] = {
            "type": "ODOO",
            "fieldMatching": self._matching(matching, offset),
            "context": {},
            "domain": domain,
            "id": pid,
            "measures": [
                {"id": m, "fieldName": m.split(":")[0]}
                | ({"aggregator": m.split(":")[1]} if ":" in m else {})
                for m in measures
            ],
            "model": model,
            "name": name,
            "sortedColumn": (
                {"groupId": [[], []], "measure": measures[0], "order": "desc"}
                if rows and ranked
                else None
            ),
            "formulaId": pid,
            "columns": [],
            "rows": [_dimension(r) for r in rows],
        }
        return pid

    def list(self, name, model, domain, columns, order, matching):
        lid = str(len(self.lists) + 1)
        self.lists[lid] = {
            "columns": columns,
            "domain": domain,
            "model": model,
            "context": {},
            "orderBy": [{"name": f, "asc": asc} for f, asc in order],
            "id": lid,
            "name": name,
            "fieldMatching": self._matching(matching),
        }
        return lid

    # -- layout ---------------------------------------------------------
    def _y(self, row):
        return sum(self.rows.get(str(r), {}).get("size", ROW_HEIGHT) for r in range(row))

    def kpis(self, kpis):
        """Scorecards on top (a row of ``Kpi``)."""
        for index, kpi in enumerate(kpis):
            label, model, domain, measure, matching, compare, percent = kpi
            ratio = "/" in measure
            measures = measure.split("/") if ratio else [measure]
            cur = self.pivot("%s - %s" % (label, "current"), model, domain, measures, matching)

            def value(pid, measures=measures, ratio=ratio):
                values = ['PIVOT.VALUE(%s,"%s")' % (pid, m) for m in measures]
                return "=IFERROR(%s/%s,0)" % tuple(values) if ratio else "=" + values[0]

            self.data_row += 1
            row = self.data_row
            self.data_cells["A%d" % row] = {"content": _t(label)}
            self.data_cells["B%d" % row] = {"content": value(cur)}
            data = {
                "title": {"text": label, "bold": True, "color": "#434343"},
                "type": "scorecard",
                "background": KPI_COLOURS[index % len(KPI_COLOURS)],
                "baselineColorDown": "#DC6965",
                "baselineColorUp": "#00A04A",
                "humanize": False,
            }
            if percent:
                self.data_cells["D%d" % row] = {"content": "=B%d" % row, "format": 1}
            else:
                self.data_cells["D%d" % row] = {"content": "=FORMAT.LARGE.NUMBER(B%d)" % row}
            data["keyValue"] = "Data!D%d" % row
            if compare:
                prev = self.pivot(
                    "%s - %s" % (label, "previous"), model, domain, measures, matching, offset=-1
                )
                self.data_cells["C%d" % row] = {"content": value(prev)}
                if percent:
                    self.data_cells["E%d" % row] = {"content": "=C%d" % row, "format": 1}
                    data["baselineMode"] = "difference"
                else:
                    self.data_cells["E%d" % row] = {"content": "=FORMAT.LARGE.NUMBER(C%d)" % row}
                    data["baselineMode"] = "percentage"
                data["baseline"] = "Data!E%d" % row
                data["baselineDescr"] = "since last period"
            width = 1000 // len(kpis) - 10
            self.figures.append(
                {
                    "id": _id(self.key, "kpi", label),
                    "x": index * (width + 10),
                    "y": 11,
                    "width": width,
                    "height": 101,
                    "tag": "chart",
                    "data": data,
                }
            )
        self.row = 5

    def _title(self, col, title, link=None):
        cell = "%s%d" % (col_name(col), self.row + 1)
        self.cells[cell] = {"content": "[%s](%s)" % (title, link) if link else _t(title)}
        self.styles[cell] = 1
        last = col_name(col + 2)
        self.borders["%s:%s%d" % (cell, last, self.row + 1)] = 1

    def charts(self, charts):
        """One or two ``Chart`` side by side."""
        self.rows[str(self.row)] = {"size": TITLE_HEIGHT}
        for index, (title, ctype, model, domain, measure, groupby, matching) in enumerate(charts):
            col = 0 if index == 0 else 4
            self._title(col, title, self._view_link(title, model, domain, groupby, measure))
            full = len(charts) == 1
            data = {
                "title": {"text": ""},
                "background": "#FFFFFF",
                "legendPosition": "top" if ctype == "pie" or len(groupby) > 1 else "none",
                "metaData": {
                    "groupBy": groupby,
                    "measure": measure,
                    "order": "DESC"
                    if ctype == "bar" and len(groupby) == 1 and ":" not in groupby[0]
                    else None,
                    "resModel": model,
                    "mode": ctype,
                },
                "searchParams": {
                    "comparison": None,
                    "context": {"group_by": []},
                    "domain": domain,
                    "groupBy": groupby,
                    "orderBy": [],
                },
                "type": "odoo_%s" % ctype,
                "fieldMatching": self._matching(matching),
            }
            if ctype != "pie":
                data["verticalAxisPosition"] = "left"
                data["stacked"] = ctype == "bar"
            if ctype == "line":
                data["fillArea"] = True
            self.figures.append(
                {
                    "id": _id(self.key, "chart", title),
                    "x": 0 if index == 0 else 520,
                    "y": self._y(self.row + 1),
                    "width": 1000 if full else 480,
                    "height": CHART_HEIGHT,
                    "tag": "chart",
                    "data": data,
                }
            )
        self.row += 1 + (CHART_HEIGHT // ROW_HEIGHT) + 1

    def series_chart(self, title, model, domain, rowfield, measures, header, matching):
        """One full-width line chart of several measures over a date
        grouping (Odoo's own charts take one measure): a pivot spelled out
        in the Data sheet (rows in date order, a column per measure, the
        translated series names on top) and an o-spreadsheet "line" chart
        whose data sets are those columns. ``measures``: [(measure, label)]."""
        self.rows[str(self.row)] = {"size": TITLE_HEIGHT}
        link = self._view_link(
            title, model, domain, [rowfield], [m for m, _label in measures], "pivot"
        )
        self._title(0, title, link)
        pid = self.pivot(
            title, model, domain, [m for m, _label in measures], matching, [rowfield], ranked=False
        )
        # Data sheet: the KPIs fill A:E, series blocks follow from G on
        cols = [chr(ord("A") + self.data_col + i) for i in range(len(measures) + 1)]
        self.data_col += len(measures) + 2
        top, bottom = 1, 1 + SERIES_ROWS
        self.data_cells["%s%d" % (cols[0], top)] = {"content": _t(header)}
        for offset, (_measure, label) in enumerate(measures, start=1):
            self.data_cells["%s%d" % (cols[offset], top)] = {"content": _t(label)}
        for line in range(1, SERIES_ROWS + 1):
            row = top + line
            # a date header past the last group is an error, not a blank
            self.data_cells["%s%d" % (cols[0], row)] = {
                "content": '=IFERROR(PIVOT.HEADER(%s,"#%s",%d),"")' % (pid, rowfield, line)
            }
            for offset, (measure, _label) in enumerate(measures, start=1):
                self.data_cells["%s%d" % (cols[offset], row)] = {
                    "content": '=PIVOT.VALUE(%s,"%s","#%s",%d)' % (pid, measure, rowfield, line)
                }
        self.data_rows = max(self.data_rows, bottom)
        data = {
            "type": "line",
            "title": {"text": ""},
            "background": "#FFFFFF",
            "dataSetsHaveTitle": True,
            "dataSets": [
                {"dataRange": "Data!%s%d:%s%d" % (c, top, c, bottom), "yAxisId": "y"}
                for c in cols[1:]
            ],
            "labelRange": "Data!%s%d:%s%d" % (cols[0], top, cols[0], bottom),
            "legendPosition": "top",
            "labelsAsText": True,
            "stacked": False,
            "aggregated": False,
            "cumulative": False,
            "fillArea": False,
        }
        self.figures.append(
            {
                "id": _id(self.key, "chart", title),
                "x": 0,
                "y": self._y(self.row + 1),
                "width": 1000,
                "height": CHART_HEIGHT,
                "tag": "chart",
                "data": data,
            }
        )
        self.row += 1 + (CHART_HEIGHT // ROW_HEIGHT) + 1

    def tables(self, tables):
        """One or two top-10 tables side by side (``PivotTable``, ``ListTable``)."""
        self.rows[str(self.row)] = {"size": TITLE_HEIGHT}
        header_row = self.row + 2
        for index, spec in enumerate(tables):
            col = 0 if index == 0 else 4
            title, model, domain = spec.title, spec.model, spec.domain
            if isinstance(spec, PivotTable):
                rowfield, measures, header, matching = spec[3:]
                link = self._view_link(title, model, domain, [rowfield], measures[0][0], "pivot")
                self._title(col, title, link)
                pid = self.pivot(
                    title, model, domain, [m for m, _label in measures], matching, rows=[rowfield]
                )
                columns = [header] + [label for _m, label in measures]
                self._header(col, header_row, columns)
                for line in range(1, TABLE_ROWS + 1):
                    row = header_row + line
                    self.cells["%s%d" % (col_name(col), row)] = {
                        "content": '=PIVOT.HEADER(%s,"#%s",%d)' % (pid, rowfield, line)
                    }
                    for offset, (measure, _label) in enumerate(measures, start=1):
                        name = measure
                        self.cells["%s%d" % (col_name(col + offset), row)] = {
                            "content": '=PIVOT.VALUE(%s,"%s","#%s",%d)'
                            % (pid, name, rowfield, line)
                        }
            else:
                fields, order, matching, extra = spec[3:]
                link = self._list_link(title, model, domain)
                self._title(col, title, link)
                lid = self.list(title, model, domain, [f for f, _label in fields], order, matching)
                self._header(
                    col, header_row, [label for _f, label in fields] + [e[0] for e in extra]
                )
                for line in range(1, TABLE_ROWS + 1):
                    row = header_row + line
                    for offset, (field, _label) in enumerate(fields):
                        self.cells["%s%d" % (col_name(col + offset), row)] = {
                            "content": '=ODOO.LIST(%s,%d,"%s")' % (lid, line, field)
                        }
                    for offset, (_label, formula) in enumerate(extra, start=len(fields)):
                        self.cells["%s%d" % (col_name(col + offset), row)] = {
                            "content": formula.format(list=lid, line=line)
                        }
            first, last = col_name(col), col_name(col + 2)
            self.styles["%s%d:%s%d" % (first, header_row + 1, last, header_row + TABLE_ROWS)] = 3
        for r in range(header_row, header_row + TABLE_ROWS):
            self.rows[str(r)] = {"size": 29}
        self.row = header_row + TABLE_ROWS + 1

    def _header(self, col, row, labels):
        for offset, label in enumerate(labels):
            cell = "%s%d" % (col_name(col + offset), row)
            self.cells[cell] = {"content": _t(label)}
            self.styles[cell] = 2 if offset == 0 else 4

    def _view_link(self, title, model, domain, groupby, measure, view="graph"):
        context = {"group_by": groupby}
        if view == "graph":
            context.update(graph_measure=measure, graph_groupbys=groupby)
        else:
            measures = measure if isinstance(measure, list) else [measure]
            context.update(
                pivot_measures=[m.split(":")[0] for m in measures], pivot_row_groupby=groupby
            )
        action = {
            "viewType": view,
            "action": {
                "domain": domain,
                "context": context,
                "modelName": model,
                "views": [[False, "graph"], [False, "pivot"], [False, "list"], [False, "search"]],
            },
            "threshold": 0,
            "name": title,
        }
        return "odoo://view/" + json.dumps(action, separators=(",", ":"))

    def _list_link(self, title, model, domain):
        action = {
            "viewType": "list",
            "action": {
                "domain": domain,
                "context": {},
                "modelName": model,
                "views": [[False, "list"], [False, "form"], [False, "search"]],
            },
            "threshold": 0,
            "name": title,
        }
        return "odoo://view/" + json.dumps(action, separators=(",", ":"))

    # -- output ---------------------------------------------------------
    def data(self):
        global_filters = []
        for flt in self.filters:
            gf = {
                "id": _id(self.key, "filter", flt["key"]),
                "type": flt["type"],
                "label": flt["label"],
            }
            if flt["type"] == "date":
                gf.update(defaultValue=flt.get("default", "last_year"), rangeType="relative")
            else:
                gf.update(
                    modelName=flt["model"],
                    defaultValue=[],
                    defaultValueDisplayNames=[],
                    rangeType="year",
                )
            global_filters.append(gf)
        data_formats = {}
        for cell, value in list(self.data_cells.items()):
            if "format" in value:
                data_formats[cell] = value.pop("format")
        sheet = {
            "id": "sheet1",
            "name": "Dashboard",
            "colNumber": 7,
            "rowNumber": max(self.row + 5, 60),
            "rows": self.rows,
            "cols": COLS,
            "merges": [],
            "cells": dict(sorted(self.cells.items())),
            "styles": self.styles,
            "formats": {},
            "borders": self.borders,
            "conditionalFormats": [],
            "figures": self.figures,
            "tables": [],
            "areGridLinesVisible": False,
            "isVisible": True,
            "headerGroups": {"ROW": [], "COL": []},
            "dataValidationRules": [],
            "comments": {},
        }
        data_sheet = {
            "id": "sheet2",
            "name": "Data",
            "colNumber": 26,
            "rowNumber": max(self.data_row + 10, self.data_rows + 5, 30),
            "rows": {},
            "cols": {"0": {"size": 220}},
            "merges": [],
            "cells": dict(sorted(self.data_cells.items())),
            "styles": {"A1:E1": 5},
            "formats": data_formats,
            "borders": {},
            "conditionalFormats": [],
            "figures": [],
            "tables": [],
            "areGridLinesVisible": True,
            "isVisible": True,
            "headerGroups": {"ROW": [], "COL": []},
            "dataValidationRules": [],
            "comments": {},
        }
        return {
            "version": 21,
            "sheets": [sheet, data_sheet],
            "styles": STYLES,
            "formats": FORMATS,
            "borders": BORDERS,
            "revisionId": "START_REVISION",
            "uniqueFigureIds": True,
            "settings": {
                "locale": {
                    "name": "English (US)",
                    "code": "en_US",
                    "thousandsSeparator": ",",
                    "decimalSeparator": ".",
                    "dateFormat": "mm/dd/yyyy",
                    "timeFormat": "hh:mm:ss",
                    "formulaArgSeparator": ",",
                    "weekStart": 7,
                }
            },
            "pivots": self.pivots,
            "pivotNextId": len(self.pivots) + 1,
            "customTableStyles": {},
            "odooVersion": 12,
            "globalFilters": global_filters,
            "lists": self.lists,
            "listNextId": len(self.lists) + 1,
            "chartOdooMenusReferences": self.menus,
        }


# ---------------------------------------------------------------- filters
PERIOD = {"key": "period", "type": "date", "label": "Period"}
BRANCH = {"key": "branch", "type": "relation", "label": "Branch", "model": "crm.retail.branch"}
PRIVACY_PERIOD = dict(PERIOD, default="last_three_months")

# matchings: filter key -> chain (dates: (chain, field type))
SALE = {"period": ("date", "datetime"), "branch": "retail_branch_id"}
PROFIT = {"period": ("month", "date"), "branch": "retail_branch_id"}
CUSTOMER = {"branch": "retail_branch_id"}
CONSENT = {"period": ("consent_date", "datetime"), "branch": "partner_id.retail_branch_id"}
CONSENT_PERIOD = {"period": CONSENT["period"]}
ONLINE = {"period": ("activity_date", "datetime"), "branch": "retail_branch_id"}
LEAD = {"period": ("create_date", "datetime"), "branch": "retail_branch_id"}
DQ = {"period": ("first_seen", "datetime"), "branch": "retail_branch_id"}
DQ_OPEN = {"branch": "retail_branch_id"}
FORECAST = {"period": ("month", "date"), "branch": "retail_branch_id"}
REQUEST = {"period": ("received_date", "date")}
BREACH = {"period": ("discovery_date", "datetime")}
REPAIR = {"period": ("create_date", "datetime"), "branch": "retail_branch_id"}
REPAIR_OPEN = {"branch": "retail_branch_id"}
NONE = {}

# ---------------------------------------------------------------- domains
OPT_IN = [["kind", "=", "opt_in"]]
OPT_OUT = [["kind", "=", "opt_out"]]
OPEN_DQ = [["state", "=", "open"]]
# the lines of the one latest evaluation the user sees (their branch scope),
# never the sum of every evaluation and nightly forecast
LATEST = [["shown_latest", "=", True]]
MONTHLY = [["group_type", "=", "month"], *LATEST]
OPEN_REPAIR = [["customer_status", "not in", ["collected", "cancelled"]]]
OPEN_ORDER = [["state", "not in", ["collected", "cancelled"]]]

# ---------------------------------------------------------------- models
SR = "sale.report"
PARTNER = "res.partner"
# the customers' segments, forecasts (one row per scored customer, issue 19)
ANALYTICS = "crm.customer.analytics"
CONS = "crm.privacy.consent"
ACT = "crm.online.activity"
FCST = "crm.forecast.run.line"
PRF = "crm.customer.profit"
DQI = "crm.dq.issue"
REQ = "crm.privacy.request"
REPAIRS = "repair.order"
CUSTOM = "crm.jewellery.custom.order"

RETAIL = "crm_retail_compile"
JEWELLERY = "crm_jewellery_ext"

# ---------------------------------------------------------------- shared KPIs
KPI_REVENUE = Kpi("Revenue", SR, SALES_DONE, "price_subtotal", SALE)
KPI_CUSTOMERS = Kpi("Customers", PARTNER, RETAIL_CUSTOMER, "__count", CUSTOMER, False)
KPI_CONSENTS_GIVEN = Kpi("Consents Given", CONS, OPT_IN, "__count", CONSENT)
KPI_OPEN_DQ = Kpi("Open Data Issues", DQI, OPEN_DQ, "__count", DQ_OPEN, False)

# ---------------------------------------------------------------- dashboards
# fmt: off
DASHBOARDS = [
    Dashboard(RETAIL, "sales", [PERIOD, BRANCH], [
        [
            KPI_REVENUE,
            Kpi("Orders", SR, SALES_DONE, "order_reference", SALE),
            Kpi("Average Order", SR, SALES_DONE, "price_subtotal/order_reference", SALE),
            Kpi("Customers", SR, SALES_DONE, "partner_id", SALE),
        ],
        [Chart("Monthly Revenue", "line", SR, SALES_DONE, "price_subtotal", ["date:month"], SALE)],
        [
            Chart("Revenue by Branch", "bar", SR, SALES_DONE, "price_subtotal",
                  ["retail_branch_id"], SALE),
            Chart("Revenue by Product Category", "pie", SR, SALES_DONE, "price_subtotal",
                  ["categ_id"], SALE),
        ],
        [
            Chart("Revenue by Sales Channel", "pie", SR, SALES_DONE, "price_subtotal",
                  ["crm_sales_channel"], SALE),
            Chart("Monthly Revenue by Sales Channel", "bar", SR, SALES_DONE, "price_subtotal",
                  ["date:month", "crm_sales_channel"], SALE),
        ],
        [
            PivotTable("Top Branches", SR, SALES_DONE, "retail_branch_id",
                       [("price_subtotal", "Revenue"), ("order_reference", "Orders")],
                       "Branch", SALE),
            PivotTable("Top Products", SR, SALES_DONE, "product_id",
                       [("price_subtotal", "Revenue"), ("product_uom_qty", "Units")],
                       "Product", SALE),
        ],
    ]),
    Dashboard(RETAIL, "marketing", [PERIOD, BRANCH], [
        [
            KPI_CUSTOMERS,
            KPI_CONSENTS_GIVEN,
            Kpi("Consents Withdrawn", CONS, OPT_OUT, "__count", CONSENT),
            Kpi("Online Activities", ACT, [], "__count", ONLINE),
        ],
        [
            Chart("Customers by Segment", "bar", ANALYTICS, RETAIL_CUSTOMER, "__count",
                  ["rfm_segment"], CUSTOMER),
            Chart("Customers by Tier", "pie", PARTNER, RETAIL_CUSTOMER, "__count",
                  ["membership_tier_id"], CUSTOMER),
        ],
        [
            Chart("Consents by Channel", "bar", CONS, [], "__count", ["channel", "kind"], CONSENT),
            Chart("Online Activity by Kind", "pie", ACT, [], "__count", ["kind"], ONLINE),
        ],
        [
            PivotTable("Consents by Purpose", CONS, OPT_IN, "purpose_id",
                       [("__count", "Consents"), ("partner_id", "Customers")],
                       "Purpose", CONSENT),
            PivotTable("Customers by Channel", PARTNER, RETAIL_CUSTOMER, "retail_channel",
                       [("__count", "Customers"), ("rfm_monetary:avg", "Avg. Spend")],
                       "Channel", CUSTOMER),
        ],
    ]),
    Dashboard(RETAIL, "promotion", [PERIOD, BRANCH], [
        [
            KPI_REVENUE,
            Kpi("Discounts Given", SR, SALES_DONE, "discount_amount", SALE),
            KPI_CONSENTS_GIVEN,
            Kpi("Online Orders", ACT, [["kind", "=", "order"]], "__count", ONLINE),
        ],
        [
            Chart("Discounts by Month", "line", SR, SALES_DONE, "discount_amount",
                  ["date:month"], SALE),
        ],
        [
            Chart("Consents by Purpose", "bar", CONS, OPT_IN, "__count", ["purpose_id"], CONSENT),
            Chart("Revenue by Category", "pie", SR, SALES_DONE, "price_subtotal",
                  ["categ_id"], SALE),
        ],
        [
            PivotTable("Discounts by Branch", SR, SALES_DONE, "retail_branch_id",
                       [("discount_amount", "Discounts"), ("price_subtotal", "Revenue")],
                       "Branch", SALE),
            PivotTable("Most Viewed Online", ACT, [["kind", "=", "product_view"]], "product_id",
                       [("__count", "Views")], "Product", ONLINE),
        ],
    ]),
    Dashboard(RETAIL, "planning", [PERIOD, BRANCH], [
        [
            KPI_REVENUE,
            Kpi("Units Sold", SR, SALES_DONE, "product_uom_qty", SALE),
            Kpi("Forecast Purchases", FCST, MONTHLY, "forecast_purchases", FORECAST, False),
            Kpi("Actual Purchases", FCST, MONTHLY, "actual_purchases", FORECAST, False),
        ],
        [
            Chart("Units Sold by Month", "line", SR, SALES_DONE, "product_uom_qty",
                  ["date:month"], SALE),
        ],
        Series("Forecast, actual and naive baseline by month", FCST, MONTHLY, "month:month",
               [("forecast_purchases", "Forecast"), ("actual_purchases", "Actual"),
                ("naive_purchases", "Naive baseline")],
               "Month", FORECAST),
        [
            PivotTable("Units by Category", SR, SALES_DONE, "categ_id",
                       [("product_uom_qty", "Units"), ("price_subtotal", "Revenue")],
                       "Category", SALE),
            PivotTable("Forecast Error by Segment", FCST,
                       [["group_type", "=", "segment"], *LATEST], "segment",
                       [("wape", "WAPE"), ("naive_wape", "Naive WAPE")], "Segment", FORECAST),
        ],
    ]),
    Dashboard(RETAIL, "hr", [PERIOD, BRANCH], [
        [
            Kpi("Salespeople", SR, SALES_DONE, "user_id", SALE),
            KPI_REVENUE,
            Kpi("Revenue per Salesperson", SR, SALES_DONE, "price_subtotal/user_id", SALE),
            Kpi("New Leads", "crm.lead", [], "__count", LEAD),
        ],
        [
            Chart("Revenue by Salesperson", "bar", SR, SALES_DONE, "price_subtotal",
                  ["user_id"], SALE),
            Chart("Leads by Salesperson", "bar", "crm.lead", [], "__count", ["user_id"], LEAD),
        ],
        [
            PivotTable("Salespeople", SR, SALES_DONE, "user_id",
                       [("price_subtotal", "Revenue"), ("order_reference", "Orders")],
                       "Salesperson", SALE),
            PivotTable("Staff per Branch", SR, SALES_DONE, "retail_branch_id",
                       [("user_id", "Salespeople"), ("order_reference", "Orders")],
                       "Branch", SALE),
        ],
    ]),
    Dashboard(RETAIL, "finance", [PERIOD, BRANCH], [
        [
            Kpi("Revenue", PRF, [], "revenue", PROFIT),
            Kpi("Cost", PRF, [], "cost", PROFIT),
            Kpi("Profit", PRF, [], "profit", PROFIT),
            Kpi("Margin", PRF, [], "profit/revenue", PROFIT, True, True),
        ],
        [Chart("Profit by Month", "bar", PRF, [], "profit", ["month:month"], PROFIT)],
        [
            Chart("Profit by Branch", "bar", PRF, [], "profit", ["retail_branch_id"], PROFIT),
            Chart("Revenue by Channel", "pie", PRF, [], "revenue", ["retail_channel"], PROFIT),
        ],
        [
            PivotTable("Profit by Branch", PRF, [], "retail_branch_id",
                       [("revenue", "Revenue"), ("profit", "Profit")], "Branch", PROFIT),
            PivotTable("Profit by Tier", PRF, [], "membership_tier_id",
                       [("revenue", "Revenue"), ("profit", "Profit")], "Tier", PROFIT),
        ],
    ]),
    Dashboard(RETAIL, "service", [PERIOD, BRANCH], [
        [
            KPI_CUSTOMERS,
            KPI_OPEN_DQ,
            Kpi("New Data Issues", DQI, [], "__count", DQ),
            Kpi("Online Reviews", ACT, [["kind", "=", "review"]], "__count", ONLINE),
        ],
        [
            Chart("Open Issues by Category", "bar", DQI, OPEN_DQ, "__count", ["category"],
                  DQ_OPEN),
            Chart("Open Issues by Severity", "pie", DQI, OPEN_DQ, "__count", ["severity"],
                  DQ_OPEN),
        ],
        [
            PivotTable("Open Issues by Branch", DQI, OPEN_DQ, "retail_branch_id",
                       [("__count", "Issues")], "Branch", DQ_OPEN),
            PivotTable("Open Issues by Rule", DQI, OPEN_DQ, "rule_id",
                       [("__count", "Issues")], "Rule", DQ_OPEN),
        ],
    ]),
    Dashboard(RETAIL, "management", [PERIOD, BRANCH], [
        [
            KPI_REVENUE,
            Kpi("Profit", PRF, [], "profit", PROFIT),
            KPI_CUSTOMERS,
            KPI_OPEN_DQ,
        ],
        [
            Chart("Revenue by Month and Branch", "bar", SR, SALES_DONE, "price_subtotal",
                  ["date:month", "retail_branch_id"], SALE),
        ],
        [
            Chart("Revenue by Month and Sales Channel", "bar", SR, SALES_DONE, "price_subtotal",
                  ["date:month", "crm_sales_channel"], SALE),
        ],
        [
            Chart("Profit by Branch", "bar", PRF, [], "profit", ["retail_branch_id"], PROFIT),
            Chart("Customers by Segment", "pie", ANALYTICS, RETAIL_CUSTOMER, "__count",
                  ["rfm_segment"], CUSTOMER),
        ],
        [
            PivotTable("Branches", PRF, [], "retail_branch_id",
                       [("revenue", "Revenue"), ("profit", "Profit")], "Branch", PROFIT),
            PivotTable("Sales by Category", SR, SALES_DONE, "categ_id",
                       [("price_subtotal", "Revenue"), ("margin", "Margin")], "Category", SALE),
        ],
    ]),
    Dashboard(RETAIL, "privacy", [PRIVACY_PERIOD], [
        [
            Kpi("Open Requests", REQ, OPEN_REQUEST, "__count", NONE, False),
            Kpi("Overdue Requests", REQ, OPEN_REQUEST + [["is_overdue", "=", True]], "__count",
                NONE, False),
            Kpi("Consents Withdrawn", CONS, OPT_OUT, "__count", CONSENT_PERIOD),
            Kpi("Open Breaches", "crm.privacy.breach", [["state", "!=", "closed"]], "__count",
                NONE, False),
        ],
        [
            ListTable("Open Requests by Due Date", REQ, OPEN_REQUEST,
                      [("name", "Reference"), ("due_date", "Due")],
                      [("due_date", True), ("id", True)], NONE, [("Days Left", DAYS_LEFT)]),
            PivotTable("Requests by Status", REQ, [], "state", [("__count", "Requests")],
                       "Status", REQUEST),
        ],
        [
            Chart("Requests by Month", "bar", REQ, [], "__count",
                  ["received_date:month", "request_type"], REQUEST),
            Chart("Consents Withdrawn by Channel", "pie", CONS, OPT_OUT, "__count", ["channel"],
                  CONSENT_PERIOD),
        ],
        [
            Chart("Breaches by Risk", "bar", "crm.privacy.breach", [], "__count",
                  ["risk_level", "state"], BREACH),
        ],
    ]),
    Dashboard(JEWELLERY, "jewellery_service", [PERIOD, BRANCH], [
        [
            Kpi("Open Repairs", REPAIRS, OPEN_REPAIR, "__count", REPAIR_OPEN, False),
            Kpi("Ready for Collection", REPAIRS, [["customer_status", "=", "ready"]], "__count",
                REPAIR_OPEN, False),
            Kpi("Open Custom Orders", CUSTOM, OPEN_ORDER, "__count", REPAIR_OPEN, False),
            Kpi("Balance Due", CUSTOM, OPEN_ORDER, "balance", REPAIR_OPEN, False),
        ],
        [
            Chart("Repairs by Status", "bar", REPAIRS, [], "__count", ["customer_status"],
                  REPAIR),
            Chart("Custom Orders by Status", "bar", CUSTOM, [], "__count", ["state"], REPAIR),
        ],
        [
            Chart("Repairs by Month", "line", REPAIRS, [], "__count", ["create_date:month"],
                  REPAIR),
        ],
        [
            PivotTable("Open Repairs by Branch", REPAIRS, OPEN_REPAIR, "retail_branch_id",
                       [("__count", "Repairs"), ("balance", "Balance")], "Branch", REPAIR_OPEN),
            PivotTable("Open Custom Orders by Branch", CUSTOM, OPEN_ORDER, "retail_branch_id",
                       [("__count", "Orders"), ("balance", "Balance")], "Branch", REPAIR_OPEN),
        ],
    ]),
]
# fmt: on


def build(dashboard):
    """Lay out one dashboard: its sections from top to bottom."""
    b = Builder(dashboard.key, dashboard.filters)
    for section in dashboard.sections:
        if isinstance(section, Series):
            b.series_chart(*section)
        elif isinstance(section[0], Kpi):
            b.kpis(section)
        elif isinstance(section[0], Chart):
            b.charts(section)
        else:
            b.tables(section)
    return b


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail when a file is out of date")
    args = parser.parse_args()
    stale = []
    for dashboard in DASHBOARDS:
        folder = os.path.join(ROOT, dashboard.addon, "data", "spreadsheet_dashboard")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "%s_dashboard.json" % dashboard.key)
        text = json.dumps(build(dashboard).data(), indent=1, ensure_ascii=False) + "\n"
        current = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                current = f.read()
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    for path in stale:
        print(("out of date: %s" if args.check else "wrote %s") % os.path.relpath(path, ROOT))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
