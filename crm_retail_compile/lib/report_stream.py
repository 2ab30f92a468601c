"""The rows of a report run on their way from the query to their sinks.

Plain Python, no database: the run model (crm.report.run) opens the
server-side cursor and hands its rows here. What happens to them:

- ``pump`` feeds them to every sink (running totals, result lines, files)
  and closes the sinks, or aborts them on any failure: an unfinished file is
  never finished;
- ``without_total`` takes the grand-total row of a query compiled
  ``with_total`` (its GROUPING() marker set) out of the stream;
- ``LineBuffer`` keeps the rows as result lines while they are few enough,
  in batches; the model subclass writes and drops them;
- helpers for the run's typed columns, distinct-count totals, file names,
  the working memory setting and the summary tables.
"""

import json
import re

from markupsafe import Markup

from . import report_engine, report_writers

# Runs with more rows than this keep no result lines (only their files).
LINE_LIMIT = 50_000
# Result lines are inserted this many at a time, one statement per batch.
LINE_BATCH = 2000
OUTPUT_FORMATS = ("xlsx", "csv", "pdf")
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "pdf": "application/pdf",
}
DIM_SLOTS = report_engine.MAX_DIMENSIONS
MEASURE_SLOTS = report_engine.MAX_MEASURES


# ----------------------------------------------------------------------
# Streaming rows into sinks
# ----------------------------------------------------------------------
def without_total(rows, index, total_rows):
    """``rows`` but the grand-total row (its GROUPING() marker at ``index``
    set), which goes to the list ``total_rows`` (when given)."""
    for row in rows:
        if row[index]:
            if total_rows is not None:
                total_rows.append(row)
        else:
            yield row


class FirstRow:
    """Keeps the first row of a result (a one-row result is its own total)."""

    row = None

    def add_row(self, row):
        if self.row is None:
            self.row = row


def _close(iterator):
    close = getattr(iterator, "close", None)
    if close:
        close()


def abort_sinks(sinks):
    """An unfinished result: abort the sinks that can (files are never
    finished), close the others."""
    for sink in sinks:
        if hasattr(sink, "abort"):
            sink.abort()
        elif hasattr(sink, "close"):
            sink.close()


def close_sinks(sinks):
    for sink in sinks:
        if hasattr(sink, "close"):
            sink.close()


def pump(stream, sinks, total_index=None, total_rows=None, progress=None):
    """Feed the rows of ``stream`` to ``sinks``, then close them; on any
    failure (or interruption) abort them instead. Returns the row count.

    With ``total_index`` (the GROUPING() marker of a query compiled
    ``with_total``), the grand-total row goes to the list ``total_rows``,
    never to the sinks, and is not counted. The stream is closed before the
    sinks (a server-side cursor is closed inside its caller's savepoint)."""
    rows = stream
    if total_index is not None:
        rows = without_total(stream, total_index, total_rows)
    try:
        count = report_writers.write_rows(sinks, rows, progress=progress)
    except BaseException:
        _close(rows)
        _close(stream)
        abort_sinks(sinks)
        raise
    _close(rows)
    _close(stream)
    close_sinks(sinks)
    return count


# ----------------------------------------------------------------------
# Result lines
# ----------------------------------------------------------------------
def line_slots(columns, parts=None, dimension_indexes=()):
    """Where each column of a result row goes in a result line.

    :param columns: [(code, label, kind)] of the rows
    :param parts: {column index: (numerator index, denominator index)} of
        the ratio columns: their parts go to the hidden slots of the measure
    :param dimension_indexes: indexes of the dimension columns (whose empty
        value is labelled "Unknown")
    :returns: (fields, indexes, dim_indexes, dimension count, measure
        count): the line fields and the row indexes that fill them
    """
    parts = parts or {}
    fields, indexes, dim_indexes = [], [], []
    dim_slot = measure_slot = 0
    for index, (code, _label, kind) in enumerate(columns):
        if code in ("period", "customer"):
            fname = code
        elif kind in report_engine.MEASURE_KINDS:
            measure_slot += 1
            fname = f"m_{measure_slot}"
            if index in parts:
                numerator, denominator = parts[index]
                fields += [f"n_{measure_slot}", f"d_{measure_slot}"]
                indexes += [numerator, denominator]
        else:
            dim_slot += 1
            fname = f"dim_{dim_slot}"
            if index in dimension_indexes:
                dim_indexes.append(index)
        fields.append(fname)
        indexes.append(index)
    return fields, indexes, dim_indexes, dim_slot, measure_slot


class LineBuffer:
    """Buffers the rows of a result as result-line values while they are
    no more than ``limit``: ``[run_id, sequence, has_unknown, *slots]``,
    handed to ``insert`` every ``batch`` rows. Past the limit, ``drop`` is
    called once and no more rows are kept (``kept`` is False).

    Subclasses write: ``insert(values)`` and ``drop()``."""

    def __init__(self, run_id, slots, unknown, limit=LINE_LIMIT, batch=LINE_BATCH):
        self.run_id = run_id
        self.fields, self.indexes, self.dim_indexes = slots[:3]
        self.unknown = unknown
        self.limit = limit
        self.batch = batch
        self.kept = True
        self.buffer = []
        self.seq = 0

    def insert(self, values):
        raise NotImplementedError

    def drop(self):
        raise NotImplementedError

    def add_row(self, row):
        if not self.kept:
            return
        self.seq += 1
        if self.seq > self.limit:
            self.kept = False
            self.drop()
            self.buffer = []
            return
        unknown = self.unknown
        has_unknown = any(row[i] == unknown for i in self.dim_indexes)
        self.buffer.append([self.run_id, self.seq, has_unknown] + [row[i] for i in self.indexes])
        if len(self.buffer) >= self.batch:
            self.flush()

    def flush(self):
        if not self.buffer:
            return
        self.insert(self.buffer)
        self.buffer = []

    def close(self):
        if self.kept:
            self.flush()

    def abort(self):
        self.buffer = []  # the caller's savepoint discards what was inserted


# ----------------------------------------------------------------------
# Typed columns and totals
# ----------------------------------------------------------------------
def columns_payload(columns, aggregations):
    """The run's stored columns: [{code, label, kind, aggregation}]."""
    return [
        {"code": code, "label": label, "kind": kind, "aggregation": aggregation}
        for (code, label, kind), aggregation in zip(columns, aggregations, strict=True)
    ]


def stored_columns(columns_json):
    """[(code, label, kind)] of stored columns (labels as compiled)."""
    return [
        (c["code"], c["label"], c["kind"]) if isinstance(c, dict) else tuple(c)
        for c in json.loads(columns_json or "[]")
    ]


def typed_columns(columns_json):
    """The stored columns, typed, with their result-line slot: dicts with
    ``code``, ``label`` (as compiled), ``kind``, ``aggregation`` and
    ``slot`` (None when the result lines do not hold the column). Columns
    stored before 18.0.1.4.0 ([code, label, kind]) sum their measures."""
    typed, dims, measures = [], 0, 0
    for column in json.loads(columns_json or "[]"):
        if isinstance(column, dict):
            code, label, kind = column["code"], column["label"], column["kind"]
            aggregation = column.get("aggregation")
        else:  # runs compiled before 18.0.1.4.0
            code, label, kind = column
            aggregation = "sum" if kind in report_engine.MEASURE_KINDS else None
        if code in ("period", "customer"):
            slot = code
        elif kind in report_engine.MEASURE_KINDS:
            measures += 1
            slot = f"m_{measures}" if measures <= MEASURE_SLOTS else None
        else:
            dims += 1
            slot = f"dim_{dims}" if dims <= DIM_SLOTS else None
        typed.append(
            {"code": code, "label": label, "kind": kind, "aggregation": aggregation, "slot": slot}
        )
    return typed


def distinct_indexes(columns, aggregations):
    """{code: row index} of the distinct-count columns."""
    return {
        column[0]: index
        for index, (column, aggregation) in enumerate(zip(columns, aggregations, strict=True))
        if aggregation == "distinct"
    }


def distinct_totals_from_rows(indexes, count=None, first=None, total=None):
    """{code: value} of the distinct counts at ``indexes`` from the
    grand-total row ``total``, or from the ``first`` row of a result of
    ``count`` <= 1 rows (its own total); None when neither gives them (they
    need a query of their own)."""
    if total is not None:
        return {code: int(total[index] or 0) for code, index in indexes.items()}
    if count is not None and count <= 1:
        return {code: int(first[index] or 0) if first else 0 for code, index in indexes.items()}
    return None


# ----------------------------------------------------------------------
# Small formatting helpers
# ----------------------------------------------------------------------
def valid_work_mem(value):
    """A PostgreSQL memory size such as 256MB (kB, MB or GB)."""
    return bool(re.fullmatch(r"\d{1,7}\s*(kB|MB|GB)", value))


def file_name(name, fmt):
    """``name`` as a file name of format ``fmt`` (no path separators or
    characters a file system refuses)."""
    return "%s.%s" % (re.sub(r'[\\/:*?"<>|]+', "-", name), fmt)


def html_table(rows):
    """[(label, value)] as a small two-column HTML table (values escaped)."""
    body = Markup("").join(
        Markup('<tr><th class="pe-3 text-nowrap">%s</th><td>%s</td></tr>') % (label, value)
        for label, value in rows
    )
    return Markup('<table class="table table-sm o_crm_report_values mb-0">%s</table>') % body
