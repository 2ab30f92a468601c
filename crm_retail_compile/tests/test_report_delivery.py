"""Scheduled delivery of department reports (issue 16): to the department's
members and chosen recipients, as an Odoo notification or by e-mail, each
recipient getting only what its clearance and branches allow; once per
scheduled date however often the job runs; a failing template does not
stop the others."""

import json
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo.tests import new_test_user, tagged

from odoo.addons.crm_privacy_pdpo.tests.job_helpers import pending_jobs, run_jobs

from ..models.crm_report_template_delivery import CrmReportTemplate
from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestReportDelivery(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Template = cls.env["crm.report.template"]
        # only the templates of each test are scheduled
        cls.Template.search([]).write({"schedule": "none"})
        cls.sales = cls.env.ref("crm_retail_compile.department_sales")
        # the test's members only (the demo's are moved out of the department)
        cls.sales.member_ids.write({"retail_department_id": False})
        (cls.staff_a | cls.staff_b | cls.manager_a).write({"retail_department_id": cls.sales.id})
        for order in (cls.order_a_own, cls.order_a_other, cls.order_b):
            order.action_confirm()
        cls.takings = cls.env.ref("crm_retail_compile.crm_report_template_branch_daily_takings")
        cls.follow_up = cls.env.ref("crm_retail_compile.crm_report_template_branch_follow_up")
        cls.finance = cls.env.ref("crm_retail_compile.department_finance")
        cls.finance_report = cls.env.ref(
            "crm_retail_compile.crm_report_template_finance_profit_segment"
        )
        cls.analyst_finance = new_test_user(
            cls.env,
            login="t_dl_finance",
            groups="crm_retail_compile.group_department_analyst",
            email="t_dl_finance@example.com",
        )
        cls.analyst_finance.write(
            {
                "retail_department_id": cls.finance.id,
                "retail_branch_ids": [(6, 0, (cls.branch_a | cls.branch_b).ids)],
            }
        )
        cls.retail_admin.partner_id.email = "t_retail_admin@example.com"
        cls.today = cls.Template._schedule_today()

    def schedule(self, template, **vals):
        # only the recipients the test names unless it asks for the members
        # (the demo sends the daily takings to every Sales member)
        values = {"schedule": "daily", "next_send_date": self.today, "send_to_members": False}
        template.write({**values, **vals})

    def send_due(self):
        """What the daily scheduled action leads to: it queues the sending,
        the job runner runs the job. Returns the job."""
        self.Template._cron_send_scheduled()
        job = pending_jobs(self.env, "_job_send_scheduled")
        self.assertEqual(run_jobs(self.env, "_job_send_scheduled"), 1)
        return job

    def visible_revenue(self, user, run):
        """Revenue of the order lines ``user`` may read in the run's period,
        summed through the ORM with the user's record rules."""
        lines = (
            self.env["sale.order.line"]
            .with_user(user)
            .search(
                [
                    ("state", "=", "sale"),
                    ("display_type", "=", False),
                    ("order_id.date_order", ">=", run.date_from),
                    ("order_id.date_order", "<", run.date_to + relativedelta(days=1)),
                ]
            )
        )
        return lines, sum(lines.sudo().mapped("price_subtotal"))

    def messages_to(self, user, template):
        """Delivery messages on ``template``'s runs notifying ``user``."""
        return self.env["mail.message"].search(
            [
                ("model", "=", "crm.report.run"),
                ("res_id", "in", template.run_ids.ids),
                ("partner_ids", "in", user.partner_id.ids),
                ("attachment_ids", "!=", False),
            ]
        )

    def test_members_get_a_notification_with_their_own_branch(self):
        self.schedule(
            self.takings,
            send_to_members=True,
            delivery_method="notification",
            recipient_ids=[(6, 0, self.analyst.ids)],  # marketing: not for sales reports
        )
        self.send_due()
        for user in (self.staff_a, self.staff_b, self.manager_a):
            with self.subTest(user=user.login):
                message = self.messages_to(user, self.takings)
                self.assertEqual(len(message), 1)
                # the delivery only: no second "report ready" message
                all_to_user = self.env["mail.message"].search(
                    [
                        ("model", "=", "crm.report.run"),
                        ("res_id", "=", message.res_id),
                        ("partner_ids", "in", user.partner_id.ids),
                    ]
                )
                self.assertEqual(all_to_user, message)
                run = self.env["crm.report.run"].browse(message.res_id)
                # compiled with the member's own rules: its branch only
                self.assertEqual(run.user_id, user)
                self.assertEqual(run.state, "done")
                self.assertTrue(message.attachment_ids.filtered(lambda a: a.name.endswith(".xlsx")))
                self.assertTrue(
                    self.env["mail.notification"].search(
                        [
                            ("mail_message_id", "=", message.id),
                            ("res_partner_id", "=", user.partner_id.id),
                        ]
                    )
                )
                # the member opens its file; the other branch's staff cannot
                Attachment = self.env["ir.attachment"]
                files = message.attachment_ids
                self.assertEqual(
                    Attachment.with_user(user)._filter_attachment_access(files.ids), files
                )
                for other in (self.staff_a | self.staff_b) - user:
                    self.assertFalse(
                        Attachment.with_user(other)._filter_attachment_access(files.ids)
                    )
        for user, own, other in (
            (self.staff_a, self.order_a_own, self.order_b | self.order_a_other),
            (self.staff_b, self.order_b, self.order_a_own | self.order_a_other),
            (self.manager_a, self.order_a_own | self.order_a_other, self.order_b),
        ):
            with self.subTest(user=user.login):
                run = self.env["crm.report.run"].browse(self.messages_to(user, self.takings).res_id)
                lines, revenue = self.visible_revenue(user, run)
                self.assertLessEqual(own.order_line, lines)
                self.assertFalse(lines & other.order_line)
                self.assertAlmostEqual(json.loads(run.totals_json)["revenue"], revenue, places=2)
        self.assertFalse(self.messages_to(self.analyst, self.takings))
        note = self.takings.message_ids[0].body
        self.assertIn(self.analyst.name, note)
        self.assertIn(self.staff_a.name, note)
        self.assertEqual(self.takings.last_sent_date, self.today)

    def test_recipient_below_the_ceiling_gets_nothing(self):
        # the finance report is confidential; the finance department's clearance
        # is lowered afterwards: its analysts are capped below the report
        self.schedule(
            self.finance_report,
            delivery_method="email",
            recipient_ids=[(6, 0, (self.analyst_finance | self.retail_admin).ids)],
        )
        self.finance.clearance = "internal"
        self.assertEqual(self.finance_report._authorised_recipients(), self.retail_admin)
        self.send_due()
        mails = self.env["mail.mail"].search(
            [("model", "=", "crm.report.run"), ("res_id", "in", self.finance_report.run_ids.ids)]
        )
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.recipient_ids, self.retail_admin.partner_id)
        self.assertTrue(mails.attachment_ids)
        note = self.finance_report.message_ids[0].body
        self.assertIn(self.analyst_finance.name, note)
        self.assertIn("clearance", note)
        # each recipient's file is in the export log
        logs = self.env["crm.privacy.export.log"].search(
            [("user_id", "in", (self.analyst_finance | self.retail_admin).ids)]
        )
        self.assertEqual(logs.user_id, self.retail_admin)

    def test_analysts_of_the_department_share_a_run_of_their_branches(self):
        self.analyst_finance.retail_branch_ids = self.branch_a
        other = new_test_user(
            self.env,
            login="t_dl_finance_2",
            groups="crm_retail_compile.group_department_analyst",
            email="t_dl_finance_2@example.com",
        )
        other.write(
            {"retail_department_id": self.finance.id, "retail_branch_ids": self.branch_a.ids}
        )
        # the test's analysts only
        (self.finance.member_ids - self.analyst_finance - other).write(
            {"retail_department_id": False}
        )
        before = self.finance_report.run_ids
        self.schedule(self.finance_report, send_to_members=True, delivery_method="notification")
        self.send_due()
        runs = self.finance_report.run_ids - before
        self.assertEqual(len(runs), 1)
        self.assertEqual(runs.branch_ids, self.branch_a)
        for user in (self.analyst_finance, other):
            self.assertEqual(
                self.messages_to(user, self.finance_report),
                runs.message_ids.filtered("attachment_ids"),
            )

    def test_running_twice_delivers_once(self):
        # three days late (the job did not run): one delivery, and the next
        # date keeps the weekly rhythm after today (Hong Kong day)
        late = self.today - relativedelta(days=3)
        before = self.takings.run_ids  # e.g. the demo's pre-calculated runs
        self.schedule(
            self.takings,
            schedule="weekly",
            next_send_date=late,
            recipient_ids=[(6, 0, self.manager_a.ids)],
            delivery_method="notification",
        )
        self.send_due()
        self.send_due()
        self.assertEqual(len(self.messages_to(self.manager_a, self.takings)), 1)
        self.assertEqual(len(self.takings.run_ids - before), 1)
        self.assertEqual(self.takings.next_send_date, late + relativedelta(weeks=1))
        self.assertGreater(self.takings.next_send_date, self.today)

    def test_daily_action_only_queues_the_sending(self):
        before = self.takings.run_ids
        self.schedule(
            self.takings, recipient_ids=[(6, 0, self.manager_a.ids)], delivery_method="notification"
        )
        self.Template._cron_send_scheduled()
        self.Template._cron_send_scheduled()  # fired again while the first waits: one job
        [job] = pending_jobs(self.env, "_job_send_scheduled")
        self.assertEqual(job.channel, "root.crm_report")
        # nothing compiled nor sent inline
        self.assertEqual(self.takings.run_ids, before)
        self.assertEqual(self.takings.next_send_date, self.today)
        self.assertEqual(run_jobs(self.env, "_job_send_scheduled"), 1)
        self.assertEqual(job.state, "done")
        self.assertEqual(len(self.messages_to(self.manager_a, self.takings)), 1)
        runs = self.takings.run_ids
        next_date = self.takings.next_send_date
        self.assertGreater(next_date, self.today)
        notes = self.takings.message_ids
        # the job run twice changes nothing the second time
        second = self.send_due()
        self.assertEqual(
            second.result, "0 scheduled reports sent, 0 failed (retried at the next run)."
        )
        self.assertEqual(self.takings.run_ids, runs)
        self.assertEqual(self.takings.next_send_date, next_date)
        self.assertEqual(self.takings.message_ids, notes)
        self.assertEqual(len(self.messages_to(self.manager_a, self.takings)), 1)

    def test_a_failing_template_does_not_stop_the_others(self):
        for template in (self.takings, self.follow_up):
            self.schedule(
                template,
                recipient_ids=[(6, 0, self.manager_a.ids)],
                delivery_method="notification",
            )
        original = CrmReportTemplate._crm_send_scheduled

        def send(template):
            if template == self.takings:
                # after writing something, which the savepoint undoes
                template.message_post(body="half-sent")
                raise ValueError("the mail server is on fire")
            return original(template)

        with (
            patch.object(CrmReportTemplate, "_crm_send_scheduled", send),
            self.assertLogs(
                "odoo.addons.crm_retail_compile.models.crm_report_template_delivery",
                level="ERROR",
            ),
        ):
            job = self.send_due()
        self.assertEqual(job.state, "done")
        self.assertIn("1 scheduled reports sent, 1 failed", job.result)
        self.assertEqual(len(self.messages_to(self.manager_a, self.follow_up)), 1)
        self.assertGreater(self.follow_up.next_send_date, self.today)
        # the failed one is retried at the next call, and says why
        self.assertEqual(self.takings.next_send_date, self.today)
        self.assertFalse(self.takings.run_ids)
        self.assertIn("on fire", self.takings.message_ids[0].body)
        self.assertNotIn("half-sent", self.takings.message_ids.mapped("body"))
        self.send_due()
        self.assertEqual(len(self.messages_to(self.manager_a, self.takings)), 1)
        self.assertEqual(len(self.messages_to(self.manager_a, self.follow_up)), 1)
