"""Streaming writers for compiled reports: XLSX and CSV.

Rows arrive as an iterator and are written one at a time: xlsxwriter's
``constant_memory`` mode flushes each row to disk, so memory stays flat
whatever the row count. A writer writes to the path it is given; the caller
writes to a temporary file and only keeps it when the whole run succeeded,
so a failed run never leaves a half-written file behind.
"""

import csv
import datetime
import hashlib

import xlsxwriter

XLSX_MAX_ROWS = 1_048_576 - 1  # one row of the sheet holds the header


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


class CsvSink:
    """Incremental CSV writer (UTF-8 with BOM: Excel opens Chinese text)."""

    def __init__(self, path, columns):
        self.handle = open(path, "w", newline="", encoding="utf-8-sig")  # noqa: SIM115
        self.writer = csv.writer(self.handle)
        self.writer.writerow([label for _code, label, _kind in columns])

    def add_row(self, row):
        self.writer.writerow([_cell(v) for v in row])

    def close(self):
        self.handle.close()


class XlsxSink:
    """Incremental XLSX writer in constant-memory mode."""

    def __init__(self, path, columns, title="", meta=()):
        self.columns = columns
        self.title, self.meta = title, meta
        self.kinds = [kind for _code, _label, kind in columns]
        self.workbook = xlsxwriter.Workbook(
            path, {"constant_memory": True, "strings_to_numbers": False, "remove_timezone": True}
        )
        wb = self.workbook
        self.bold = wb.add_format({"bold": True})
        self.header = wb.add_format({"bold": True, "bg_color": "#7B1F30", "font_color": "#FFFFFF"})
        self.formats = {
            "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
            "monetary": wb.add_format({"num_format": "#,##0.00"}),
            "number": wb.add_format({"num_format": "#,##0.##"}),
            "percent": wb.add_format({"num_format": "0.00"}),
        }
        self.sheet_no = 0
        self.row_no = 0
        self.sheet = self._new_sheet()

    def _new_sheet(self):
        self.sheet_no += 1
        name = "Report" if self.sheet_no == 1 else f"Report {self.sheet_no}"
        ws = self.workbook.add_worksheet(name)
        r = 0
        if self.title:
            ws.write(r, 0, self.title, self.bold)
            r += 1
        for label, value in self.meta:
            ws.write(r, 0, label, self.bold)
            ws.write(r, 1, _cell(value))
            r += 1
        if self.title or self.meta:
            r += 1
        for c, (_code, label, _kind) in enumerate(self.columns):
            ws.write(r, c, label, self.header)
            ws.set_column(c, c, 18)
        ws.freeze_panes(r + 1, 0)
        self.row_no = r + 1
        return ws

    def add_row(self, row):
        if self.row_no > XLSX_MAX_ROWS:
            self.sheet = self._new_sheet()
        sheet, row_no = self.sheet, self.row_no
        for c, value in enumerate(row):
            if value is None:
                continue
            kind = self.kinds[c]
            if kind == "date" and isinstance(value, datetime.date):
                sheet.write_datetime(
                    row_no,
                    c,
                    datetime.datetime.combine(value, datetime.time()),
                    self.formats["date"],
                )
            elif kind in ("monetary", "number", "percent"):
                sheet.write_number(row_no, c, float(value), self.formats[kind])
            else:
                sheet.write_string(row_no, c, str(value))
        self.row_no += 1

    def close(self):
        self.workbook.close()


def write_rows(sinks, rows, progress=None):
    """Feed ``rows`` to every sink; returns the row count."""
    count = 0
    for row in rows:
        for sink in sinks:
            sink.add_row(row)
        count += 1
        if progress and not count % 10000:
            progress(count)
    return count


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Totals:
    """Running totals of the additive measures while rows stream past."""

    ADDITIVE = ("monetary", "number")
    # distinct counts and averages do not add up across groups
    NON_ADDITIVE = ("customers", "discount_avg", "quality_score")

    def __init__(self, columns):
        self.columns = columns
        self.sums = {
            code: 0.0
            for code, _label, kind in columns
            if kind in self.ADDITIVE and code not in self.NON_ADDITIVE
        }
        self.count = 0

    def add_row(self, row):
        self.count += 1
        for (code, _label, _kind), value in zip(self.columns, row, strict=False):
            if code in self.sums and value is not None:
                self.sums[code] += float(value)

    def as_dict(self):
        totals = {code: round(value, 2) for code, value in self.sums.items()}
        # ratios cannot be added: recompute the usual ones from their parts
        if "profit" in totals and totals.get("revenue"):
            totals["margin_pct"] = round(100 * totals["profit"] / totals["revenue"], 2)
        if "revenue" in totals and totals.get("orders"):
            totals["avg_basket"] = round(totals["revenue"] / totals["orders"], 2)
        if "won" in totals and totals.get("leads"):
            totals["conversion_rate"] = round(100 * totals["won"] / totals["leads"], 2)
        totals["rows"] = self.count
        return totals
