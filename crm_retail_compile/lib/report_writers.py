"""Streaming writers for compiled reports: XLSX and CSV.

Rows arrive as an iterator and are written one at a time: xlsxwriter's
``constant_memory`` mode flushes each row to disk, so memory stays flat
whatever the row count. A writer writes to the path it is given; the caller
writes to a temporary file and only keeps it when the whole run succeeded,
so a failed run never leaves a half-written file behind.
"""

# This file also runs on its own as the XLSX writer process (see
# ``XlsxSink``): it imports nothing but the standard library and xlsxwriter.
import contextlib
import csv
import datetime
import fcntl
import hashlib
import logging
import marshal
import os
import select
import struct
import subprocess
import sys

import xlsxwriter

if __name__ == "__main__":
    # the XLSX writer process: its cells arrive prepared (prepare_row)
    safe_text = None
else:
    from odoo.addons.crm_privacy_pdpo.lib.spreadsheet_safety import (
        FORMULA_PREFIXES,
        safe_text,
    )

_logger = logging.getLogger(__name__)

XLSX_MAX_ROWS = 1_048_576 - 1  # one row of the sheet holds the header
CHILD_FLAG = "--crm-xlsx-writer"
CHILD_TIMEOUT = 3600
FRAME = struct.Struct("<I")
END = "end"
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
PIPE_SIZE = 1 << 20
# the child's answer once its workbook is open, and how long to wait for it
READY = b"1"
READY_TIMEOUT = 60


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return safe_text(value)  # no formula in a file the suite writes
    return value


def _text(value):
    return "" if value is None or value is False else str(_cell(value))


class CsvSink:
    """Incremental CSV writer (UTF-8 with BOM: Excel opens Chinese text)."""

    def __init__(self, path, columns):
        self.handle = open(path, "w", newline="", encoding="utf-8-sig")  # noqa: SIM115
        self.writer = csv.writer(self.handle)
        self.writer.writerow([safe_text(str(label)) for _code, label, _kind in columns])
        # rows may carry hidden values after the columns (ratio parts)
        self.width = len(columns)

    def add_row(self, row):
        self.writer.writerow([_cell(v) for v in row[: self.width]])

    def close(self):
        self.handle.close()


class XlsxBook:
    """The workbook itself: title, metadata, a header row and typed cells,
    with a new sheet whenever one is full. Cells come prepared by
    ``prepare_row``: text is written as text, numbers with their column's
    number (or date) format."""

    def __init__(self, path, columns, title="", meta=()):
        self.columns = columns
        self.title, self.meta = title, meta
        self.workbook = xlsxwriter.Workbook(
            path, {"constant_memory": True, "strings_to_numbers": False, "remove_timezone": True}
        )
        wb = self.workbook
        self.bold = wb.add_format({"bold": True})
        self.header = wb.add_format({"bold": True, "bg_color": "#7B1F30", "font_color": "#FFFFFF"})
        formats = {
            "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
            "monetary": wb.add_format({"num_format": "#,##0.00"}),
            "number": wb.add_format({"num_format": "#,##0.##"}),
            "integer": wb.add_format({"num_format": "#,##0"}),
            "percent": wb.add_format({"num_format": "0.00"}),
        }
        self.formats = [formats.get(kind) for _code, _label, kind in columns]
        self.sheet_no = 0
        self.row_no = 0
        self.sheet = self._new_sheet()

    def _new_sheet(self):
        self.sheet_no += 1
        name = "Report" if self.sheet_no == 1 else f"Report {self.sheet_no}"
        ws = self.workbook.add_worksheet(name)
        r = 0
        if self.title:
            ws.write_string(r, 0, self.title, self.bold)
            r += 1
        for label, value in self.meta:
            ws.write_string(r, 0, label, self.bold)
            ws.write_string(r, 1, value)
            r += 1
        if self.title or self.meta:
            r += 1
        for c, (_code, label, _kind) in enumerate(self.columns):
            ws.write_string(r, c, label, self.header)
            ws.set_column(c, c, 18)
        ws.freeze_panes(r + 1, 0)
        self.row_no = r + 1
        return ws

    def add_rows(self, rows):
        formats = self.formats
        for row in rows:
            if self.row_no > XLSX_MAX_ROWS:
                self.sheet = self._new_sheet()
            write_string, write_number = self.sheet.write_string, self.sheet.write_number
            row_no = self.row_no
            for c, value in enumerate(row):
                if value is None:
                    continue
                if value.__class__ is str:
                    write_string(row_no, c, value)
                else:
                    write_number(row_no, c, value, formats[c])
            self.row_no += 1

    def close(self):
        self.workbook.close()


# An Excel date is a day count from 1899-12-30 (for dates after 1900-02-28,
# which keeps Lotus 1-2-3's leap-year bug out of the way).
EXCEL_EPOCH = datetime.date(1899, 12, 30)
NUMERIC_KINDS = ("monetary", "number", "percent", "integer")


def prepare_row(row, kinds):
    """A row of plain values for the workbook: ``None``, text, or a number
    (dates as Excel day numbers). Plain values cross a pipe cheaply."""
    out = []
    for value, kind in zip(row, kinds, strict=False):
        cls = value.__class__
        if cls is str:
            # formula-looking text is neutralised (spreadsheet_safety)
            out.append(safe_text(value) if value[:1] in FORMULA_PREFIXES else value)
        elif value is None or cls is float:
            out.append(value)
        elif kind in NUMERIC_KINDS:
            out.append(float(value))
        elif kind == "date" and isinstance(value, datetime.date):
            day = value.date() if isinstance(value, datetime.datetime) else value
            out.append(float((day - EXCEL_EPOCH).days))
        else:
            out.append(str(value))
    return tuple(out)


def _write_frame(handle, payload):
    data = marshal.dumps(payload)
    handle.write(FRAME.pack(len(data)))
    handle.write(data)


def _read_frame(handle):
    """The next frame, ``END`` for the end marker, ``None`` at end of file."""
    head = handle.read(FRAME.size)
    if len(head) < FRAME.size:
        return None
    (size,) = FRAME.unpack(head)
    if not size:
        return END
    data = handle.read(size)
    if len(data) < size:
        return None
    return marshal.loads(data)


class XlsxSink:
    """Streams rows into an XLSX file.

    xlsxwriter's per-cell work is most of a large export's time, and it
    would otherwise alternate with fetching rows from PostgreSQL on one
    core. The workbook is therefore written by a child process (this file
    run as a script: standard library and xlsxwriter only) that receives
    prepared rows in batches through a pipe, so fetching and writing run
    side by side. Where no child process can be started the workbook is
    written in this process, with the same code.

    ``close()`` finishes the file; ``abort()`` stops without finishing it.
    """

    BATCH = 2000

    def __init__(self, path, columns, title="", meta=(), process=True):
        self.path = path
        self.kinds = [kind for _code, _label, kind in columns]
        header = {
            "path": path,
            "columns": [(code, safe_text(str(label)), kind) for code, label, kind in columns],
            "title": safe_text(title or ""),
            "meta": [(safe_text(str(label)), _text(value)) for label, value in meta],
        }
        self.buffer = []
        self.book = self.child = None
        if process:
            self.child = self._start_child()
        if self.child and not self._handshake(header):
            self.child = None
        if not self.child:
            self.book = XlsxBook(**header)

    def _start_child(self):
        self.log_path = self.path + ".log"
        try:
            with open(self.log_path, "wb") as log:
                # our own script, no shell
                child = subprocess.Popen(
                    [sys.executable, os.path.abspath(__file__), CHILD_FLAG],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    close_fds=True,
                )
        except OSError as error:
            _logger.warning("XLSX written in process (no child process: %s)", error)
            return None
        # more room in the pipe: the writer never waits for a batch (where
        # the system allows it; the default pipe works too)
        with contextlib.suppress(OSError):
            fcntl.fcntl(child.stdin.fileno(), F_SETPIPE_SZ, PIPE_SIZE)
        return child

    def _handshake(self, header):
        """Send the header; the child answers once its workbook is open.
        A child that cannot start (no xlsxwriter on its path, say) leaves
        the work to this process."""
        try:
            _write_frame(self.child.stdin, header)
            self.child.stdin.flush()
            ready, _w, _x = select.select([self.child.stdout], [], [], READY_TIMEOUT)
            answer = self.child.stdout.read(1) if ready else b""
        except (BrokenPipeError, ValueError):
            answer = b""
        if answer == READY:
            return True
        self.abort()
        _logger.warning(
            "XLSX written in process (the writer did not start: %s)", self._child_error()
        )
        return False

    def _child_error(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as log:
                lines = [line for line in log.read().splitlines() if line.strip()]
        except OSError:
            lines = []
        return lines[-1] if lines else "exit code %s" % self.child.poll()

    def _send(self, payload):
        try:
            _write_frame(self.child.stdin, payload)
        except (BrokenPipeError, ValueError):
            self.child.wait()
            raise OSError("The XLSX writer stopped: %s" % self._child_error()) from None

    def add_row(self, row):
        self.buffer.append(prepare_row(row, self.kinds))
        if len(self.buffer) >= self.BATCH:
            self._flush()

    def _flush(self):
        if not self.buffer:
            return
        if self.child:
            self._send(self.buffer)
        else:
            self.book.add_rows(self.buffer)
        self.buffer = []

    def close(self):
        self._flush()
        if not self.child:
            self.book.close()
            return
        self._send(END)
        self._close_pipes()
        try:
            code = self.child.wait(timeout=CHILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.abort()
            raise OSError("The XLSX writer did not finish in time.") from None
        if code:
            raise OSError("The XLSX writer failed: %s" % self._child_error())

    def abort(self):
        """Stop without finishing the file (the caller discards it)."""
        self.buffer = []
        if self.child and self.child.poll() is None:
            self.child.kill()
            self.child.wait()
        if self.child:
            self._close_pipes()

    def _close_pipes(self):
        for stream in (self.child.stdin, self.child.stdout):
            with contextlib.suppress(OSError):
                stream.close()


def _child_main():
    """The writer process: header frame, row batches, end marker. Without
    the end marker (the parent died or gave up) the file is left unfinished
    for the parent to discard."""
    stdin = sys.stdin.buffer
    header = _read_frame(stdin)
    if not isinstance(header, dict):
        os._exit(3)
    book = XlsxBook(**header)
    sys.stdout.buffer.write(READY)
    sys.stdout.buffer.flush()
    while True:
        frame = _read_frame(stdin)
        if frame is END:
            break
        if frame is None:
            os._exit(3)
        book.add_rows(frame)
    book.close()


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
    """Running totals while rows stream past: additive measures are summed,
    ratios (and averages) are recomputed from the sums of their numerator
    and denominator, distinct counts are left out (they do not add up across
    groups).

    :param columns: [(code, label, kind)]
    :param aggregations: per column None, "sum", "ratio" or "distinct"
        (without it: every monetary or number column is summed)
    :param parts: {column index: (numerator index, denominator index)} of
        the ratio columns in the rows
    """

    ADDITIVE = ("monetary", "number", "integer")

    def __init__(self, columns, aggregations=None, parts=None):
        self.columns = columns
        if aggregations is None:
            aggregations = ["sum" if kind in self.ADDITIVE else None for _c, _l, kind in columns]
        self.sums = {
            index: 0.0 for index, aggregation in enumerate(aggregations) if aggregation == "sum"
        }
        self.parts = dict(parts or {})
        self.part_sums = {index: [0.0, 0.0] for index in self.parts}
        self.count = 0

    def add_row(self, row):
        self.count += 1
        sums = self.sums
        for index in sums:
            value = row[index]
            if value is not None:
                sums[index] += float(value)
        for index, (num, den) in self.parts.items():
            part = self.part_sums[index]
            part[0] += float(row[num] or 0)
            part[1] += float(row[den] or 0)

    def values(self):
        """{column index: total}"""
        totals = {index: round(value, 2) for index, value in self.sums.items()}
        for index, (num, den) in self.part_sums.items():
            totals[index] = round(num / den, 2) if den else None
        return totals

    def as_dict(self):
        totals = {
            self.columns[index][0]: value
            for index, value in sorted(self.values().items())
            if value is not None
        }
        totals["rows"] = self.count
        return totals


if __name__ == "__main__" and sys.argv[1:] == [CHILD_FLAG]:
    _child_main()
