"""The retention job reports its progress to ir.cron as Odoo documents it
(done and remaining of each call) and isolates failures in savepoints."""

from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import PrivacyCommon
from .job_helpers import pending_jobs, run_jobs


@tagged("post_install", "-at_install")
class TestRetentionProgress(PrivacyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Run = cls.env["crm.privacy.retention.run"]
        cls.cron = cls.env.ref("crm_privacy_pdpo.ir_cron_crm_privacy_retention")
        cls.policy = cls.env.ref("crm_privacy_pdpo.retention_policy_customers")
        cls.env["crm.privacy.retention.policy"].search([("id", "!=", cls.policy.id)]).active = False
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"Retention {i}", "email": f"ret{i}@example.com"} for i in range(4)]
        )
        cls.policy.domain = repr([("id", "in", cls.partners.ids)])
        cls.env.flush_all()
        cls.env.cr.execute(
            SQL(
                "UPDATE res_partner SET write_date = now() - interval '10 years' "
                "WHERE id = ANY(%s)",
                cls.partners.ids,
            )
        )
        cls.env.invalidate_all()
        # the other open runs of the database are not this test's
        cls.Run.search([("state", "=", "running")])._crm_system_write().write({"state": "done"})

    def _scheduler(self, batch_size, max_calls=10):
        """Queue the batches as the scheduled job does and run the chain of
        jobs: each batch queues the next while it did work and work remains.
        Returns (done, remaining) of each batch."""
        calls = []
        original = type(self.Run)._retention_round

        def round_(runs, batch_size=None):
            result = original(runs, batch_size=batch_size)
            calls.append(result[1:])
            return result

        with patch.object(type(self.Run), "_retention_round", round_):
            self.Run._cron_run_retention(batch_size=batch_size)
            self.assertFalse(calls, "the scheduled job only queues")
            run_jobs(self.env, "_job_retention_batch", limit=max_calls)
        return calls

    def test_cron_queues_batches_on_the_privacy_channel(self):
        self.Run._cron_run_retention()
        self.Run._cron_run_retention()  # queued once
        [job] = pending_jobs(self.env, "_job_retention_batch")
        self.assertEqual(job.channel, "root.crm_privacy")
        self.assertFalse(any(self.partners.mapped("crm_anonymised")))
        # a retail user cannot queue it: the method is private, and jobs
        # are read by job managers only
        with self.assertRaises(AccessError):
            job.with_user(self.officer).read(["args"])
        self.assertEqual(run_jobs(self.env, "_job_retention_batch"), 1)
        self.assertTrue(all(self.partners.mapped("crm_anonymised")))
        # run again: nothing left, nothing changes
        self.Run._cron_run_retention()
        self.assertEqual(run_jobs(self.env, "_job_retention_batch"), 1)
        self.assertEqual(self.Run.search([], limit=1).processed_count, 0)

    def test_held_record_does_not_reschedule_forever(self):
        held = self.partners[0]
        self.env["crm.privacy.legal.hold"].create(
            {"partner_id": held.id, "reason": "aml", "date_until": "2999-12-31"}
        )
        # done and remaining are those of each call; the held customer stays
        # a candidate but is never counted as remaining
        self.assertEqual(self._scheduler(batch_size=2), [(2, 1), (1, 0)])
        self.assertFalse(held.crm_anonymised)
        self.assertTrue(all((self.partners - held).mapped("crm_anonymised")))
        run = self.Run.search([], limit=1)
        self.assertEqual(run.state, "done")
        line = run.line_ids.filtered(lambda ln: ln.policy_id == self.policy)
        self.assertEqual((line.processed, line.remaining, line.held), (3, 0, 1))
        # the next day: nothing to do, the scheduler stops at once
        self.assertEqual(self._scheduler(batch_size=2), [(0, 0)])

    def test_database_error_in_one_record_does_not_stop_the_others(self):
        bad = self.partners[1]
        Partner = type(self.env["res.partner"])
        original = Partner._crm_privacy_anonymise

        def anonymise(records):
            if bad in records:
                # a real database error: without a savepoint it aborts the
                # whole transaction
                records.env.cr.execute("SELECT 1 / 0")
            return original(records)

        with (
            patch.object(Partner, "_crm_privacy_anonymise", anonymise),
            self.assertLogs("odoo.addons.crm_privacy_pdpo.models.crm_privacy_retention_run"),
        ):
            calls = self._scheduler(batch_size=10)
        self.assertEqual(calls, [(4, 0)])
        self.env.cr.execute("SELECT 1")  # the transaction is still usable
        self.assertFalse(bad.crm_anonymised)
        self.assertEqual(bad.email, "ret1@example.com")
        self.assertTrue(all((self.partners - bad).mapped("crm_anonymised")))
        run = self.Run.search([], limit=1)
        line = run.line_ids.filtered(lambda ln: ln.policy_id == self.policy)
        self.assertEqual(run.state, "done")
        self.assertIn(f"res.partner,{bad.id}", line.error)
        self.assertEqual(line._get_failed_ids(), bad.ids)

    def test_failed_record_is_not_retried_by_the_same_run(self):
        bad = self.partners[0]
        Partner = type(self.env["res.partner"])
        original = Partner._crm_privacy_anonymise

        def anonymise(records):
            if bad in records:
                records.env.cr.execute("SELECT 1 / 0")
            return original(records)

        with (
            patch.object(Partner, "_crm_privacy_anonymise", anonymise),
            self.assertLogs("odoo.addons.crm_privacy_pdpo.models.crm_privacy_retention_run"),
        ):
            # the failing record heads the first batch: it is logged and
            # skipped, and the same run goes on with the others
            calls = self._scheduler(batch_size=1)
        self.assertEqual(calls, [(1, 3), (1, 2), (1, 1), (1, 0)])
        self.assertTrue(all((self.partners - bad).mapped("crm_anonymised")))
        self.assertFalse(bad.crm_anonymised)
        line = self.Run.search([], limit=1).line_ids.filtered(
            lambda ln: ln.policy_id == self.policy
        )
        self.assertEqual((line.processed, line._get_failed_ids()), (3, bad.ids))
