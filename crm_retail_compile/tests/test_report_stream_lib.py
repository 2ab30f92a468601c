"""Pure tests of lib/report_stream.py and lib/report_workdir.py (no
database): rows into sinks, the grand-total row, result-line slots, typed
columns, distinct totals, file names and the compiles' working directories."""

import json
import os
import tempfile
import unittest

from ..lib import report_stream as stream
from ..lib import report_workdir as workdir


class _Sink:
    def __init__(self, fail_at=None):
        self.rows, self.fail_at, self.state = [], fail_at, "open"

    def add_row(self, row):
        if self.fail_at is not None and len(self.rows) == self.fail_at:
            raise OSError("disk full")
        self.rows.append(row)

    def close(self):
        self.state = "closed"

    def abort(self):
        self.state = "aborted"


class _PlainSink:
    """A sink that cannot abort (it is closed instead)."""

    state = "open"

    def add_row(self, row):
        pass

    def close(self):
        self.state = "closed"


class _Closable:
    def __init__(self, rows):
        self.rows, self.closed = iter(rows), False

    def __iter__(self):
        return self.rows

    def close(self):
        self.closed = True


class _Lines(stream.LineBuffer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.inserted, self.dropped = [], 0

    def insert(self, values):
        self.inserted.extend(values)

    def drop(self):
        self.dropped += 1
        self.inserted = []


class TestPump(unittest.TestCase):
    def test_rows_go_to_every_sink_then_closed(self):
        sinks = [_Sink(), _Sink(), stream.FirstRow()]
        rows = _Closable([(1,), (2,), (3,)])
        self.assertEqual(stream.pump(rows, sinks), 3)
        self.assertEqual(sinks[0].rows, [(1,), (2,), (3,)])
        self.assertEqual(sinks[1].rows, sinks[0].rows)
        self.assertEqual(sinks[2].row, (1,), "the first row is kept")
        self.assertEqual([s.state for s in sinks[:2]], ["closed", "closed"])
        self.assertTrue(rows.closed, "the cursor is closed")

    def test_failure_aborts_the_files_never_finishes_them(self):
        failing, other, plain = _Sink(fail_at=1), _Sink(), _PlainSink()
        rows = _Closable([(1,), (2,), (3,)])
        with self.assertRaises(OSError):
            stream.pump(rows, [other, failing, plain])
        self.assertEqual([failing.state, other.state], ["aborted", "aborted"])
        self.assertEqual(plain.state, "closed", "a sink without abort is closed")
        self.assertTrue(rows.closed)

    def test_grand_total_row_separated_and_not_counted(self):
        sink, totals = _Sink(), []
        rows = [("a", 1, 0), (None, 3, 1), ("b", 2, 0)]
        count = stream.pump(iter(rows), [sink], total_index=2, total_rows=totals)
        self.assertEqual(count, 2)
        self.assertEqual(sink.rows, [("a", 1, 0), ("b", 2, 0)])
        self.assertEqual(totals, [(None, 3, 1)])
        # without a list to keep it, the total row is dropped all the same
        self.assertEqual(list(stream.without_total(iter(rows), 2, None)), [rows[0], rows[2]])

    def test_progress_every_ten_thousand_rows(self):
        seen = []
        stream.pump(iter([(i,) for i in range(25_000)]), [], progress=seen.append)
        self.assertEqual(seen, [10_000, 20_000])


class TestLines(unittest.TestCase):
    COLUMNS = [
        ("branch", "Branch", "char"),
        ("period", "Period", "date"),
        ("revenue", "Revenue", "monetary"),
        ("margin", "Margin", "percent"),
        ("num", "", "number"),
        ("den", "", "number"),
    ]

    def test_slots(self):
        fields, indexes, dims, n_dims, n_measures = stream.line_slots(
            self.COLUMNS, parts={3: (4, 5)}, dimension_indexes=[0]
        )
        self.assertEqual(fields, ["dim_1", "period", "m_1", "n_2", "d_2", "m_2", "m_3", "m_4"])
        self.assertEqual(indexes, [0, 1, 2, 4, 5, 3, 4, 5])
        self.assertEqual((dims, n_dims, n_measures), ([0], 1, 4))

    def test_buffer_batches_and_unknown(self):
        slots = stream.line_slots(self.COLUMNS[:3], dimension_indexes=[0])
        lines = _Lines(7, slots, "Unknown", limit=10, batch=2)
        for row in [("A", "d", 1), ("Unknown", "d", 2), ("B", "d", 3)]:
            lines.add_row(row)
        self.assertEqual(len(lines.inserted), 2, "one full batch written")
        lines.close()
        self.assertEqual(
            lines.inserted,
            [
                [7, 1, False, "A", "d", 1],
                [7, 2, True, "Unknown", "d", 2],
                [7, 3, False, "B", "d", 3],
            ],
        )
        self.assertTrue(lines.kept)

    def test_too_many_rows_keep_no_lines(self):
        lines = _Lines(1, stream.line_slots(self.COLUMNS[:1]), "Unknown", limit=3, batch=2)
        for i in range(5):
            lines.add_row((str(i),))
        lines.close()
        self.assertFalse(lines.kept)
        self.assertEqual((lines.inserted, lines.dropped), ([], 1))

    def test_abort_discards_the_buffer(self):
        lines = _Lines(1, stream.line_slots(self.COLUMNS[:1]), "Unknown")
        lines.add_row(("x",))
        lines.abort()
        lines.close()
        self.assertEqual(lines.inserted, [])


class TestColumns(unittest.TestCase):
    def test_typed_columns_and_slots(self):
        columns = [("period", "Period", "date"), ("branch", "Branch", "char")]
        columns += [(f"m{i}", f"M{i}", "integer") for i in range(stream.MEASURE_SLOTS + 1)]
        aggregations = [None, None, "distinct"] + ["sum"] * stream.MEASURE_SLOTS
        payload = stream.columns_payload(columns, aggregations)
        typed = stream.typed_columns(json.dumps(payload))
        self.assertEqual([t["slot"] for t in typed[:4]], ["period", "dim_1", "m_1", "m_2"])
        self.assertIsNone(typed[-1]["slot"], "beyond the result line's slots")
        self.assertEqual(typed[2]["aggregation"], "distinct")
        self.assertEqual(stream.stored_columns(json.dumps(payload)), columns)

    def test_columns_stored_before_aggregations(self):
        legacy = json.dumps([["branch", "Branch", "char"], ["sales", "Sales", "monetary"]])
        typed = stream.typed_columns(legacy)
        self.assertEqual([t["aggregation"] for t in typed], [None, "sum"])
        self.assertEqual(stream.stored_columns(legacy)[1], ("sales", "Sales", "monetary"))
        self.assertEqual(stream.typed_columns(False), [])

    def test_distinct_totals(self):
        columns = [("branch", "", "char"), ("customers", "", "integer"), ("sales", "", "monetary")]
        indexes = stream.distinct_indexes(columns, [None, "distinct", "sum"])
        self.assertEqual(indexes, {"customers": 1})
        total = ("", 7, 100.0)
        self.assertEqual(
            stream.distinct_totals_from_rows(indexes, 5, None, total), {"customers": 7}
        )
        self.assertEqual(
            stream.distinct_totals_from_rows(indexes, 1, ("A", 3, 1.0)), {"customers": 3}
        )
        self.assertEqual(stream.distinct_totals_from_rows(indexes, 0, None), {"customers": 0})
        self.assertIsNone(stream.distinct_totals_from_rows(indexes, 5, ("A", 3, 1.0)))


class TestHelpers(unittest.TestCase):
    def test_file_name(self):
        self.assertEqual(
            stream.file_name('Sales: A/B "HK" (1)', "xlsx"), "Sales- A-B -HK- (1).xlsx"
        )

    def test_work_mem(self):
        for value in ("256MB", "64 kB", "1GB"):
            self.assertTrue(stream.valid_work_mem(value), value)
        for value in ("256", "1TB", "256MB; DROP", "-1MB"):
            self.assertFalse(stream.valid_work_mem(value), value)

    def test_html_table_escapes(self):
        html = stream.html_table([("<b>Rows</b>", 3)])
        self.assertIn("&lt;b&gt;Rows&lt;/b&gt;", html)
        self.assertIn("<td>3</td>", html)


class TestWorkdir(unittest.TestCase):
    def test_leftovers_of_a_run_removed(self):
        with tempfile.TemporaryDirectory() as root:
            prefix = workdir.TMP_PREFIX
            killed = tempfile.mkdtemp(prefix=f"{prefix}7_", dir=root)
            other_run = tempfile.mkdtemp(prefix=f"{prefix}71_", dir=root)
            other = tempfile.mkdtemp(prefix="other_", dir=root)
            self.assertEqual(workdir.remove_run_leftovers(7, root=root), 1)
            self.assertFalse(os.path.exists(killed))
            self.assertTrue(os.path.exists(other_run) and os.path.exists(other))

    def test_stale_directories_removed_by_age(self):
        with tempfile.TemporaryDirectory() as root:
            prefix = workdir.TMP_PREFIX
            fresh = tempfile.mkdtemp(prefix=f"{prefix}1_", dir=root)
            old = tempfile.mkdtemp(prefix=f"{prefix}2_", dir=root)
            os.utime(old, (0, 0))
            self.assertEqual(workdir.remove_stale(max_age=60, root=root), 1)
            self.assertFalse(os.path.exists(old))
            self.assertTrue(os.path.exists(fresh))

    def test_workdir_named_after_the_run(self):
        with workdir.workdir(42) as path:
            self.assertTrue(os.path.basename(path).startswith(f"{workdir.TMP_PREFIX}42_"))
        self.assertFalse(os.path.exists(path))
