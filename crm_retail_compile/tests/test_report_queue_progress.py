"""The report queue reports its progress to ir.cron as Odoo documents it:
done and remaining of each call, remaining being the runs still queued."""

from unittest.mock import patch

from odoo.tests import tagged

from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestReportQueueProgress(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Run = cls.env["crm.report.run"]
        cls.cron = cls.env.ref("crm_retail_compile.ir_cron_crm_report_run_queue")
        # runs queued by the database's own data are not this test's
        cls.Run.search([("state", "=", "queued")])._crm_system_write().write({"state": "failed"})
        template = cls.env.ref("crm_retail_compile.crm_report_template_marketing_customer_value")
        cls.runs = cls.Run.browse()
        for _i in range(7):
            cls.runs |= cls.Run.with_user(cls.analyst)._create_for_template(
                template, user=cls.analyst
            )
        cls.runs._crm_system_write().write({"state": "queued"})

    def _scheduler(self, limit, max_calls=10):
        """Call the job the way ir.cron does: again at once while the last
        call reported both work done and work remaining."""
        calls = []
        for _i in range(max_calls):
            progress = self.env["ir.cron.progress"].create({"cron_id": self.cron.id})
            self.Run.with_context(ir_cron_progress_id=progress.id)._cron_process_queue(limit=limit)
            calls.append((progress.done, progress.remaining))
            if not (progress.done and progress.remaining):
                break
        return calls

    def test_queue_progress_and_stop_when_empty(self):
        executed = []

        def execute(runs):
            executed.extend(runs.ids)
            runs._crm_system_write().write({"state": "done"})
            runs.flush_recordset()

        with patch.object(type(self.Run), "_execute", execute):
            calls = self._scheduler(limit=3)
            # 7 runs, 3 per call: the scheduler calls until the queue is empty
            self.assertEqual(calls, [(3, 4), (3, 1), (1, 0)])
            self.assertEqual(executed, self.runs.ids)
            self.assertEqual(set(self.runs.mapped("state")), {"done"})
            # an empty queue: one call, nothing done, the scheduler stops
            self.assertEqual(self._scheduler(limit=3), [(0, 0)])

    def test_limit_reached_exactly_stops(self):
        def execute(runs):
            runs._crm_system_write().write({"state": "done"})
            runs.flush_recordset()

        with patch.object(type(self.Run), "_execute", execute):
            self.assertEqual(self._scheduler(limit=7), [(7, 0)])
