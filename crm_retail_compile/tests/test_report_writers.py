"""Pure tests of lib/report_writers.py (no database): the XLSX writer
process gives the same workbook as writing in process, and a writer that
is stopped or dies never leaves a finished file."""

import datetime
import os
import shutil
import tempfile
import unittest
import zipfile
from decimal import Decimal
from unittest.mock import patch

import openpyxl

from ..lib import report_writers

COLUMNS = [
    ("customer", "Customer", "char"),
    ("tier", "Tier", "char"),
    ("period", "month", "date"),
    ("revenue", "Revenue", "monetary"),
    ("orders", "Orders", "number"),
]


def _rows(count):
    for i in range(count):
        yield (
            f"客戶 {i} <b>&amp;</b> '; DROP TABLE res_partner; --",
            None if i % 3 else "Gold",
            datetime.date(2024, 1, 1) + datetime.timedelta(days=i % 400),
            Decimal("12.50") * i,
            i,
        )


class TestXlsxWriter(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="crm_report_test_")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def _write(self, name, count, **kwargs):
        path = os.path.join(self.tmp, name)
        sink = report_writers.XlsxSink(
            path, COLUMNS, "Customer value", [("Department", "Marketing")], **kwargs
        )
        for row in _rows(count):
            sink.add_row(row)
        sink.close()
        return path, sink

    @staticmethod
    def cells(path):
        book = openpyxl.load_workbook(path, read_only=True)
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}

    def test_writer_process_and_in_process_give_the_same_cells(self):
        count = report_writers.XlsxSink.BATCH * 2 + 7  # whole and partial batches
        child_path, child_sink = self._write("child.xlsx", count)
        self.assertIsNotNone(child_sink.child, "the workbook is written by a child process")
        self.assertEqual(child_sink.child.returncode, 0)
        local_path, local_sink = self._write("local.xlsx", count, process=False)
        self.assertIsNone(local_sink.child)
        child, local = self.cells(child_path), self.cells(local_path)
        self.assertEqual(child, local)
        rows = child["Report"]
        self.assertEqual(rows[0][0], "Customer value")
        self.assertEqual(rows[1][:2], ("Department", "Marketing"))
        header = rows.index(("Customer", "Tier", "month", "Revenue", "Orders"))
        first, last = rows[header + 1], rows[-1]
        self.assertEqual(
            first,
            (
                "客戶 0 <b>&amp;</b> '; DROP TABLE res_partner; --",
                "Gold",
                datetime.datetime(2024, 1, 1),
                0,
                0,
            ),
        )
        self.assertEqual(last[2], datetime.datetime(2024, 1, 1) + datetime.timedelta(days=6))
        self.assertEqual(last[3], 12.5 * (count - 1))
        self.assertEqual(len(rows) - header - 1, count)

    def test_a_full_sheet_continues_on_a_new_one(self):
        with patch.object(report_writers, "XLSX_MAX_ROWS", 10):
            path, _sink = self._write("sheets.xlsx", 25, process=False)
        sheets = self.cells(path)
        self.assertEqual(list(sheets), ["Report", "Report 2", "Report 3", "Report 4"])
        data = [row for rows in sheets.values() for row in rows if str(row[0]).startswith("客戶")]
        self.assertEqual(len(data), 25)

    def test_without_a_child_process_the_workbook_is_written_in_process(self):
        with patch.object(report_writers.subprocess, "Popen", side_effect=OSError("no fork")):
            path, sink = self._write("fallback.xlsx", 50)
        self.assertIsNone(sink.child)
        self.assertEqual(len(self.cells(path)["Report"]), 50 + 4)

    def test_a_writer_that_cannot_start_leaves_the_work_to_this_process(self):
        # the child runs but never opens a workbook (as without xlsxwriter)
        with patch.object(report_writers, "CHILD_FLAG", "--not-the-writer"):
            path, sink = self._write("no_writer.xlsx", 30)
        self.assertIsNone(sink.child)
        self.assertEqual(len(self.cells(path)["Report"]), 30 + 4)

    def test_an_aborted_run_leaves_no_finished_file(self):
        path = os.path.join(self.tmp, "aborted.xlsx")
        sink = report_writers.XlsxSink(path, COLUMNS)
        for row in _rows(report_writers.XlsxSink.BATCH + 1):
            sink.add_row(row)
        sink.abort()
        self.assertIsNotNone(sink.child.returncode)
        self.assertFalse(os.path.exists(path) and zipfile.is_zipfile(path))

    def test_a_writer_that_dies_fails_the_run_with_its_reason(self):
        path = os.path.join(self.tmp, "died.xlsx")
        sink = report_writers.XlsxSink(path, COLUMNS)
        sink.child.kill()
        sink.child.wait()
        with self.assertRaisesRegex(OSError, "The XLSX writer stopped"):
            for row in _rows(report_writers.XlsxSink.BATCH * 50):
                sink.add_row(row)
            sink.close()
        sink.abort()
        self.assertFalse(os.path.exists(path) and zipfile.is_zipfile(path))

    def test_prepared_rows_are_plain_values(self):
        kinds = [kind for _code, _label, kind in COLUMNS]
        row = report_writers.prepare_row(
            ("A", 7, datetime.datetime(2024, 3, 1, 13, 30), Decimal("1.25"), None), kinds
        )
        # text stays text, dates become Excel day numbers, amounts floats
        self.assertEqual(row, ("A", "7", 45352.0, 1.25, None))
