from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.crm_privacy_pdpo.tests.job_helpers import pending_jobs, run_jobs

from ..lib import data_quality as dq
from ..models.crm_dq_rule import CHECKS, CrmDqRule
from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestDataQualityEngine(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.branch_a.manager_id = cls.manager_a
        Partner = cls.env["res.partner"]
        Pics = cls.env["crm.privacy.pics"]
        pics = Pics.search([("state", "=", "active")], limit=1)
        if not pics:
            pics = Pics.create(
                {
                    "name": "DQ test notice",
                    "version": "9.9",
                    "text_en": "<p>Notice</p>",
                    "text_zh": "<p>通知</p>",
                }
            )
            pics.action_activate()
        purpose = cls.env["crm.privacy.marketing.purpose"].create(
            {"name": "DQ test offers", "code": "dq_test_offers"}
        )

        serial = iter(range(10, 99))

        def customer(name, branch=None, **vals):
            values = {
                "name": name,
                "is_retail_customer": True,
                "retail_branch_id": (branch or cls.branch_a).id,
                "district_id": cls.district.id,
                "phone": f"+852 21{next(serial)} 7788",
                "email": "",
            }
            values.update(vals)
            return Partner.create(values)

        cls.clean = customer(
            "Chan Tai Man",
            phone="+852 9345 6781",
            mobile="5345 6782",
            email="tai.man@example.com",
            birthday_day=5,
            birthday_month=3,
            birthday_year=1980,
        )
        cls.no_contact = customer("Lee Ka Yan", phone="", email="")
        cls.no_district = customer("Ho Wing Sze", district_id=False, phone="", email="hws@ex.com")
        # forms and imports refuse bad numbers and e-mails: bad data comes
        # from older imports, written here in SQL
        cls.bad_phone = customer("Ng Chi Keung")
        cls.bad_email = customer("Lam Mei Ling")
        cls.legacy(cls.bad_phone, phone="1234 5678")
        cls.legacy(cls.bad_email, email="mei.ling@example")
        cls.placeholder = customer("Test 2")
        cls.future_bd = customer("Yip Ka Ho")
        cls.dup_phone_1 = customer("Tang Siu Fung", phone="+852 6123 4567")
        cls.dup_phone_2 = customer("Kwok Wai Lun", phone="", mobile="61234567")
        cls.dup_email_1 = customer("Cheung Hoi Yan", email="Dup.Test@Example.com")
        cls.dup_email_2 = customer("Leung Hoi Yan", email="dup.test@example.com ")
        cls.dup_name_1 = customer("Wong Siu Ming", birthday_day=12, birthday_month=7)
        cls.dup_name_2 = customer("Wong Siu Mingg", birthday_day=12, birthday_month=7)
        cls.other_day = customer("Wong Siu Mingg", birthday_day=13, birthday_month=7)
        cls.customer_b = customer("Mak Pui Shan", cls.branch_b, district_id=False)
        cls.seeded = Partner.search([("id", ">=", cls.clean.id), ("is_retail_customer", "=", True)])
        # consents and notices for every seeded customer: only the clean ones
        # below stay without them
        cls.no_consent = customer("Fung Chi Wai")
        cls.env["crm.privacy.consent"].create(
            [
                {
                    "partner_id": p.id,
                    "purpose_id": purpose.id,
                    "channel": "sms",
                    "kind": "opt_in",
                    "pics_id": pics.id,
                }
                for p in cls.seeded
            ]
        )
        # the birth year is checked by a constraint: bad data comes from imports
        cls.env.cr.execute(
            "UPDATE res_partner SET birthday_year = %s, birthday_day = 1, birthday_month = 1 "
            "WHERE id = %s",
            (fields.Date.today().year + 1, cls.future_bd.id),
        )
        cls.future_bd.invalidate_recordset()

        # sales: a clean line, a 50% discount, a line below cost, an order
        # without branch and an invoice that differs from its order
        cls.product.standard_price = 3000.0
        Order = cls.env["sale.order"]

        def order(price, discount=0.0, branch=None, partner=None):
            so = Order.create(
                {
                    "partner_id": (partner or cls.clean).id,
                    "retail_branch_id": (branch or cls.branch_a).id,
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": cls.product.id,
                                "product_uom_qty": 1,
                                "price_unit": price,
                                "discount": discount,
                            },
                        )
                    ],
                }
            )
            so.action_confirm()
            return so

        cls.order_clean = order(5000.0)
        cls.order_discount = order(8000.0, discount=50.0)
        cls.order_below_cost = order(1000.0)
        cls.order_no_branch = order(5000.0)
        cls.env.cr.execute(
            "UPDATE sale_order SET retail_branch_id = NULL WHERE id = %s", [cls.order_no_branch.id]
        )
        cls.order_no_branch.invalidate_recordset()
        cls.order_clean.order_line.qty_delivered = 1
        cls.order_discount.order_line.qty_delivered = 1
        cls.invoice_clean = cls.order_clean._create_invoices()
        cls.invoice_clean.action_post()
        cls.invoice_bad = cls.order_discount._create_invoices()
        cls.invoice_bad.invoice_line_ids.discount = 0.0  # the discount got lost
        cls.invoice_bad.action_post()

        Rule = cls.env["crm.dq.rule"].with_context(active_test=False)
        cls.rules = {r.check: r for r in Rule.search([("id", "in", cls._rule_ids())])}

    @classmethod
    def legacy(cls, partner, **vals):
        """Write ``vals`` as an old import did, without the form's checks."""
        cls.env.flush_all()
        for fname, value in vals.items():
            cls.env.cr.execute(
                SQL(
                    "UPDATE res_partner SET %s = %s WHERE id = %s",
                    SQL.identifier(fname),
                    value,
                    partner.id,
                )
            )
        partner.invalidate_recordset()

    @classmethod
    def _rule_ids(cls):
        return [cls.env.ref(f"crm_retail_compile.crm_dq_rule_{check}").id for check, __ in CHECKS]

    def scan(self):
        scan = self.env["crm.dq.scan"]._get_current_scan(trigger="manual")
        scan._run_all()
        return scan

    def issues(self, check, records, state="open"):
        return self.env["crm.dq.issue"].search(
            [
                ("rule_id", "=", self.rules[check].id),
                ("res_model", "=", records._name),
                ("res_id", "in", records.ids),
                ("state", "=", state),
            ]
        )

    def assertIssue(self, check, record):
        self.assertEqual(len(self.issues(check, record)), 1, f"{check}: {record.display_name}")

    def assertNoIssue(self, check, records):
        self.assertFalse(self.issues(check, records), f"{check}: {records.mapped('display_name')}")

    def test_rules_find_bad_records_only(self):
        scan = self.scan()
        self.assertEqual(scan.state, "done")
        self.assertEqual(scan.rules_done, len(self.rules))
        self.assertIssue("no_contact", self.no_contact)
        self.assertIssue("no_district", self.no_district)
        # consent and notice gaps: one summary issue per branch, listing
        # its customers without them
        for check in ("no_consent", "no_pics"):
            summary = self.issues(check, self.branch_a)
            self.assertEqual(len(summary), 1, check)
            action = summary.action_view_customers()
            customers = self.env["res.partner"].search(action["domain"])
            self.assertIn(self.no_consent, customers)
            self.assertFalse(customers & self.seeded)
            self.assertEqual(summary.detail, str(len(customers)))
            self.assertFalse(summary.partner_id)
            self.assertIn(str(len(customers)), summary.explanation_problem)
            self.assertFalse(self.issues(check, self.no_consent), "no issue per customer")
        self.assertIssue("invalid_phone", self.bad_phone)
        self.assertIn("1234 5678", self.issues("invalid_phone", self.bad_phone).detail)
        self.assertIssue("invalid_email", self.bad_email)
        self.assertIssue("placeholder_name", self.placeholder)
        self.assertIssue("future_birthday", self.future_bd)
        self.assertIssue("dup_phone", self.dup_phone_2)
        self.assertEqual(
            self.issues("dup_phone", self.dup_phone_2).related_partner_id, self.dup_phone_1
        )
        self.assertIssue("dup_email", self.dup_email_2)
        self.assertIssue("dup_name", self.dup_name_2)
        self.assertEqual(
            self.issues("dup_name", self.dup_name_2).related_partner_id, self.dup_name_1
        )
        self.assertIssue("line_discount", self.order_discount.order_line)
        self.assertIssue("line_below_cost", self.order_below_cost.order_line)
        self.assertIssue("line_margin", self.order_below_cost.order_line)
        self.assertIssue("order_no_branch", self.order_no_branch)
        self.assertIssue("invoice_mismatch", self.invoice_bad)
        issue = self.issues("line_discount", self.order_discount.order_line)
        self.assertEqual(issue.partner_id, self.clean)
        self.assertEqual(issue.retail_branch_id, self.branch_a)
        self.assertEqual(issue.severity, self.rules["line_discount"].severity)
        self.assertEqual(issue.reference, self.order_discount.order_line)
        # clean records
        customer_checks = [c for c, r in self.rules.items() if r.res_model == "res.partner"]
        for check in customer_checks:
            self.assertNoIssue(check, self.clean)
        self.assertNoIssue("dup_phone", self.dup_phone_1)
        self.assertNoIssue("dup_email", self.dup_email_1)
        self.assertNoIssue("dup_name", self.dup_name_1 | self.other_day)
        self.assertNoIssue("no_consent", self.seeded)
        self.assertNoIssue("no_contact", self.seeded - self.no_contact)
        self.assertNoIssue("invalid_phone", self.seeded - self.bad_phone)
        self.assertNoIssue("invalid_email", self.seeded - self.bad_email)
        for check in ("line_discount", "line_below_cost", "line_margin"):
            self.assertNoIssue(check, self.order_clean.order_line)
        self.assertNoIssue("order_no_branch", self.order_clean)
        self.assertNoIssue("order_no_customer", self.order_clean | self.order_no_branch)
        self.assertNoIssue("invoice_mismatch", self.invoice_clean)

    def test_fixing_data_resolves_issue(self):
        self.scan()
        issue = self.issues("invalid_email", self.bad_email)
        self.bad_email.email = "mei.ling@example.com"
        self.bad_phone.phone = "2345 6789"
        scan = self.scan()
        self.assertEqual(issue.state, "resolved")
        self.assertTrue(issue.resolved_date)
        self.assertFalse(self.issues("invalid_phone", self.bad_phone))
        self.assertEqual(len(self.issues("invalid_phone", self.bad_phone, "resolved")), 1)
        line = scan.line_ids.filtered(lambda li: li.rule_id == self.rules["invalid_email"])
        self.assertEqual(line.resolved_count, 1)
        self.assertEqual(line.new_count, 0)
        # an ignored issue stays ignored while the record still violates
        ignored = self.issues("placeholder_name", self.placeholder)
        ignored.action_ignore()
        self.scan()
        self.assertEqual(ignored.state, "ignored")
        self.assertFalse(self.issues("placeholder_name", self.placeholder))

    def test_unchanged_issues_are_not_rewritten(self):
        """The daily scan rewrites only issues whose details changed; the
        rule records when it was checked."""
        self.scan()
        long_ago = fields.Datetime.to_datetime("2000-01-01 00:00:00")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_dq_issue SET last_seen = %s, write_date = %s", (long_ago, long_ago)
        )
        self.env["crm.dq.issue"].invalidate_model()
        self.legacy(self.bad_phone, phone="1111 2222")  # still invalid, another detail
        self.scan()
        unchanged = self.issues("invalid_email", self.bad_email)
        self.assertEqual(unchanged.last_seen, long_ago)
        self.assertEqual(unchanged.write_date, long_ago)
        changed = self.issues("invalid_phone", self.bad_phone)
        self.assertIn("1111 2222", changed.detail)
        self.assertGreater(changed.last_seen, long_ago)
        rule = self.rules["invalid_email"]
        self.assertTrue(rule.last_check_date)
        self.assertEqual(unchanged.last_check_date, rule.last_check_date)

    def test_interrupted_scan_resumes(self):
        failing = self.rules["dup_email"]
        original = CrmDqRule._violation_query

        def crash(rule):
            if rule == failing:
                raise RuntimeError("worker killed")
            return original(rule)

        # Not assertRaises, which rolls back to a savepoint: keep what the
        # rules done before the crash wrote, like the cron's commit per rule.
        with patch.object(CrmDqRule, "_violation_query", crash, create=False):
            try:
                self.scan()
            except RuntimeError:
                crashed = True
            else:
                crashed = False
        self.assertTrue(crashed)
        scan = self.env["crm.dq.scan"].search([], order="id desc", limit=1)
        self.assertEqual(scan.state, "running")
        done_before = scan.line_ids.rule_id
        self.assertTrue(done_before)
        self.assertNotIn(failing, done_before)
        resumed = self.scan()
        self.assertEqual(resumed, scan)
        self.assertEqual(scan.state, "done")
        self.assertEqual(len(scan.line_ids), len(scan.rule_ids))
        self.assertEqual(sorted(scan.line_ids.rule_id.ids), sorted(scan.rule_ids.ids))
        self.scan()  # and once more: idempotent
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT count(*) FROM (SELECT rule_id, res_model, res_id FROM crm_dq_issue
               WHERE state = 'open' GROUP BY 1, 2, 3 HAVING count(*) > 1) d"""
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.assertEqual(len(self.issues("dup_email", self.dup_email_2)), 1)

    def test_cron_queues_one_job_per_rule(self):
        Scan = self.env["crm.dq.scan"]
        Scan.search([("state", "=", "running")]).write({"state": "done"})
        before = Scan.search([], order="id desc", limit=1)
        Scan._cron_scan()
        Scan._cron_scan()  # queued once
        # the cron only queues: no scan ran inline
        self.assertEqual(Scan.search([], order="id desc", limit=1), before)
        [job] = pending_jobs(self.env, "_job_scan_step")
        self.assertEqual(job.channel, "root.crm_nightly")
        # each job checks one rule and queues the next step
        calls = run_jobs(self.env, "_job_scan_step")
        scan = Scan.search([], order="id desc", limit=1)
        self.assertEqual(scan.state, "done")
        self.assertEqual(calls, len(scan.rule_ids.filtered("active")) + 1)
        self.assertIssue("dup_phone", self.dup_phone_2)
        # each rule checked once
        self.assertEqual(len(scan.line_ids), len(scan.rule_ids.filtered("active")))

    def test_wrong_role_cannot_queue_a_scan(self):
        with self.assertRaises(UserError):
            self.env["crm.dq.scan"].with_user(self.staff_a).action_run_in_background()
        self.assertFalse(pending_jobs(self.env, "_job_scan_step"))
        self.env["crm.dq.scan"].with_user(self.manager_a).action_run_in_background()
        self.assertEqual(len(pending_jobs(self.env, "_job_scan_step")), 1)

    def test_branch_staff_see_their_branch_issues(self):
        self.scan()
        issue_a = self.issues("no_district", self.no_district)
        issue_b = self.issues("no_district", self.customer_b)
        self.assertEqual(issue_a.retail_branch_id, self.branch_a)
        self.assertEqual(issue_b.retail_branch_id, self.branch_b)
        self.assertEqual(self.visible(self.staff_b, issue_a | issue_b), issue_b)
        self.assertEqual(self.visible(self.staff_a, issue_a | issue_b), issue_a)
        with self.assertRaises(AccessError):
            issue_a.with_user(self.staff_b).read(["detail"])
        with self.assertRaises(AccessError):
            issue_a.with_user(self.staff_b).action_ignore()
        issue_a.with_user(self.staff_a).action_ignore()
        self.assertEqual(issue_a.state, "ignored")
        self.assertEqual(self.visible(self.analyst, issue_a | issue_b), issue_a)
        with self.assertRaises(AccessError):
            issue_b.with_user(self.analyst).write({"state": "ignored"})

    def test_activities_created_and_capped(self):
        rule = self.rules["no_district"]
        rule.activity_limit = 1
        # customers already in the database (demo, server tests) come first
        # in the capped list: give them a district so that the cap hits ours
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE res_partner SET district_id = %s
                    WHERE is_retail_customer AND district_id IS NULL AND id < %s""",
                self.district.id,
                self.clean.id,
            )
        )
        self.env["res.partner"].invalidate_model(["district_id"])
        Activity = self.env["mail.activity"]
        before = Activity.search([("res_model", "=", "res.partner")])
        scan = self.scan()
        line = scan.line_ids.filtered(lambda li: li.rule_id == rule)
        self.assertGreaterEqual(line.new_count, 2)
        self.assertEqual(line.activity_count, 1)
        contact_line = scan.line_ids.filtered(lambda li: li.rule_id == self.rules["no_contact"])
        activity = (
            Activity.search(
                [("res_model", "=", "res.partner"), ("res_id", "=", self.no_contact.id)]
            )
            - before
        )
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.manager_a)
        self.assertIn("next store visit", str(activity.note))
        self.assertLessEqual(contact_line.activity_count, self.rules["no_contact"].activity_limit)
        # no activity for the customers of a rule without activities
        self.assertFalse(
            Activity.search([("res_id", "=", self.bad_email.id), ("res_model", "=", "res.partner")])
        )
        # a second scan creates no new activity for the same issues
        new_scan = self.scan()
        self.assertEqual(sum(new_scan.line_ids.mapped("activity_count")), 0)

    def test_scores_and_snapshots(self):
        scan = self.scan()
        self.assertEqual(self.clean.dq_score, 100)
        severities = (
            self.env["crm.dq.issue"]
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", self.no_contact.id),
                    ("state", "=", "open"),
                ]
            )
            .mapped("severity")
        )
        self.assertTrue(severities)
        self.assertEqual(self.no_contact.dq_score, dq.quality_score(severities))
        self.assertLess(self.no_contact.dq_score, 100)
        snapshot = scan.snapshot_ids.filtered(lambda s: s.retail_branch_id == self.branch_a)
        self.assertEqual(len(snapshot), 1)
        customers_a = self.env["res.partner"].search_count(
            [("is_retail_customer", "=", True), ("retail_branch_id", "=", self.branch_a.id)]
        )
        self.assertEqual(snapshot.customer_count, customers_a)
        self.assertGreater(snapshot.open_total, 0)
        self.assertEqual(
            snapshot.open_total,
            snapshot.open_low + snapshot.open_medium + snapshot.open_high + snapshot.open_critical,
        )

    def test_merge_duplicates_resolves_issue(self):
        self.scan()
        issue = self.issues("dup_email", self.dup_email_2)
        action = issue.action_merge()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(wizard.partner_ids, self.dup_email_1 | self.dup_email_2)
        self.assertEqual(wizard.dst_partner_id, self.dup_email_1)
        wizard.action_merge()
        self.assertFalse(self.dup_email_2.exists())
        self.scan()
        self.assertEqual(issue.state, "resolved")
        self.assertFalse(issue.reference)
