"""Background report compiles on OCA queue_job: a large run is a job on the
report channel, the run's state follows its job, transient database errors
are retried with back-off, a job run twice changes nothing, and only who
may run the report can queue it; the jobs themselves are administrators'."""

from unittest.mock import patch

import psycopg2

from odoo import sql_db
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from ..models.crm_report_run_job import CHANNEL, MAX_RETRIES
from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestReportJobs(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls.env.ref(
            "crm_retail_compile.crm_report_template_marketing_customer_value"
        )
        cls.analyst_finance = new_test_user(
            cls.env, login="t_job_fin", groups="crm_retail_compile.group_department_analyst"
        )
        cls.analyst_finance.retail_department_id = cls.env.ref(
            "crm_retail_compile.department_finance"
        )

    def _queue(self):
        run = (
            self.env["crm.report.run"]
            .with_user(self.analyst)
            ._create_for_template(self.template, user=self.analyst)
        )
        run.with_user(self.analyst).action_run()
        return run

    def _job(self, run):
        return Job.load(self.env, run.sudo().job_id.uuid)

    def test_large_run_is_a_job_on_the_report_channel(self):
        run = self._queue()
        # queued, not compiled inline
        self.assertEqual(run.state, "queued")
        self.assertFalse(run.line_ids or run.xlsx_attachment_id)
        job = run.sudo().job_id
        self.assertTrue(job)
        self.assertEqual(job.channel, CHANNEL)
        self.assertEqual(job.state, "pending")
        self.assertEqual(job.max_retries, MAX_RETRIES)
        self.assertEqual(run.with_user(self.analyst).job_state, "queued")
        # running it again before its job ran queues no second job
        run.with_user(self.analyst).action_run()
        self.assertEqual(
            self.env["queue.job"].search_count([("identity_key", "=", job.identity_key)]), 1
        )
        self._job(run).perform()
        run.invalidate_recordset()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(len(run.xlsx_attachment_id), 1)

    def test_run_state_follows_its_job(self):
        run = self._queue()
        job = run.sudo().job_id
        for job_state, shown in (
            ("enqueued", "queued"),
            ("started", "running"),
            ("failed", "failed"),
            ("cancelled", "failed"),
            ("done", "done"),
        ):
            self.env.cr.execute(
                SQL("UPDATE queue_job SET state = %s WHERE id = %s", job_state, job.id)
            )
            run.invalidate_recordset(["job_state"])
            self.assertEqual(run.with_user(self.analyst).job_state, shown, job_state)

    def test_transient_error_retried_with_back_off(self):
        run = self._queue()
        job = self._job(run)
        # another transaction holds a row the compile needs (a row the test's
        # transaction does not hold itself): lock not available
        other = sql_db.db_connect(self.env.cr.dbname).cursor()
        try:
            other.execute(SQL("SELECT id FROM res_country WHERE code = %s FOR UPDATE", "HK"))
            original = type(run)._execute_outputs

            def locked(runs):
                runs.env.cr.execute(
                    SQL("SELECT id FROM res_country WHERE code = %s FOR UPDATE NOWAIT", "HK")
                )
                return original(runs)

            with (
                patch.object(type(run), "_execute_outputs", locked),
                mute_logger("odoo.sql_db"),
                self.assertRaises(RetryableJobError),
            ):
                job.perform()
        finally:
            other.rollback()
            other.close()
        # nothing of the attempt was kept; the next attempt is later, longer
        # each time (the job function's retry pattern)
        self.assertFalse(run.line_ids or run.xlsx_attachment_id)
        self.assertEqual(job._get_retry_seconds(), 10)
        job.retry = 3
        self.assertEqual(job._get_retry_seconds(), 120)
        job.retry = 1
        job.perform()
        run.invalidate_recordset()
        self.assertEqual(run.state, "done", run.error)

    def test_last_attempt_fails_the_run(self):
        run = self._queue()
        self.env.cr.execute(
            SQL(
                "UPDATE queue_job SET retry = %s WHERE id = %s",
                MAX_RETRIES - 1,
                run.sudo().job_id.id,
            )
        )
        self.env["queue.job"].invalidate_model()
        job = self._job(run)

        def lost(runs):
            raise psycopg2.OperationalError("server closed the connection unexpectedly")

        with patch.object(type(run), "_execute_outputs", lost):
            job.perform()
        self.assertEqual(run.state, "failed")
        self.assertIn(f"Failed after {MAX_RETRIES} attempts", run.error)
        # a failed run is compiled again by a new job
        run.with_user(self.analyst).action_run()
        self.assertEqual(run.state, "queued")
        self._job(run).perform()
        self.assertEqual(run.state, "done", run.error)

    def test_job_of_a_done_run_changes_nothing(self):
        run = self._queue()
        job = self._job(run)
        job.perform()
        run.flush_recordset()
        before = run.read(["state", "row_count", "finished", "xlsx_attachment_id", "write_date"])
        attachments = self.env["ir.attachment"].search_count(
            [("res_model", "=", "crm.report.run"), ("res_id", "=", run.id)]
        )
        messages = len(run.message_ids)
        self._job(run).perform()
        run.invalidate_recordset()
        self.assertEqual(
            run.read(["state", "row_count", "finished", "xlsx_attachment_id", "write_date"]),
            before,
        )
        self.assertEqual(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", "crm.report.run"), ("res_id", "=", run.id)]
            ),
            attachments,
        )
        self.assertEqual(len(run.message_ids), messages)

    def test_wrong_role_cannot_queue_or_see_jobs(self):
        run = self._queue()
        self._job(run).perform()
        run.invalidate_recordset()
        # another department's analyst and branch staff cannot run it again
        for user in (self.analyst_finance, self.staff_a):
            with self.assertRaises(AccessError):
                run.with_user(user).action_run()
        # retail roles do not read jobs (their arguments) nor requeue them;
        # the run's requester sees its state through the run only
        job = run.sudo().job_id
        for user in (self.analyst, self.retail_admin, self.privacy_officer):
            with self.assertRaises(AccessError):
                job.with_user(user).read(["state"])
            with self.assertRaises(AccessError):
                job.with_user(user).requeue()
            with self.assertRaises(AccessError):
                run.with_user(user).read(["job_id"])
        # the job is system-set on the run
        with self.assertRaises(AccessError):
            run.with_user(self.analyst).write({"job_id": job.id})

    def test_queue_job_models_are_for_job_managers_only(self):
        """queue_job's own models (jobs hold method arguments) are decided:
        readable by its Job Queue Manager group only, which no retail role
        implies (so the registry walk and the access matrix need no entry)."""
        manager = self.env.ref("queue_job.group_queue_job_manager")
        models = self.env["ir.model"].search([("model", "=like", "queue.%")])
        access = self.env["ir.model.access"].search(
            [("model_id", "in", models.ids), ("perm_read", "=", True)]
        )
        self.assertEqual(access.group_id, manager)
        for xml_id in (
            "crm_retail_compile.group_branch_staff",
            "crm_retail_compile.group_branch_manager",
            "crm_retail_compile.group_department_analyst",
            "crm_retail_compile.group_integration",
            "crm_retail_compile.group_marketing_campaigns",
            "crm_retail_compile.group_retail_admin",
            "crm_privacy_pdpo.group_privacy_officer",
        ):
            group = self.env.ref(xml_id)
            self.assertNotIn(manager, group | group.trans_implied_ids, xml_id)
