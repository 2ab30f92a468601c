"""Issue 20: Odoo's import of the retail customer list goes through the
integration API's upsert (matching, normalisation, no erasing, per-row
errors), each import is recorded and followed by a data-quality scan of the
imported customers only, and the template re-imports cleanly."""

import io

import openpyxl

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..lib import customer_import_template
from .common import RetailCommon

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELDS = ["name", "phone", "email", "district_id", "retail_channel", "membership_tier_id"]


@tagged("post_install", "-at_install")
class TestCustomerImport(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.existing = cls.env["res.partner"].create(
            {
                "name": "Chan Tai Man",
                "is_retail_customer": True,
                "retail_branch_id": cls.branch_a.id,
                "phone": "+852 9188 2277",
                "email": "chan.taiman@example.com",
            }
        )
        cls.rows = [
            # the existing customer, another phone format, no e-mail
            ["Chan Tai Man", "9188-2277", "", "Wan Chai", "In Store", ""],
            ["Lee Siu Ling", "6177 3344", "lee.siuling@example.com", "WC", "", ""],
            # the same person again, another format
            ["Lee Siu Ling", "(852) 61773344", "", "灣仔區", "online", ""],
            ["Bad Row", "123", "bad.row@example.com", "", "", ""],
            ["Test", "", "wong.new@example.com", "", "", ""],
        ]

    def _load(self, user, rows=None, fields=None, **context):
        Partner = self.env["res.partner"].with_user(user)
        return Partner.with_context(
            import_file=True,
            default_is_retail_customer=True,
            crm_import_wizard_id=context.pop("wizard", 0),
            **context,
        ).load(fields or FIELDS, rows if rows is not None else self.rows)

    def _customers(self, phone_digits):
        return self.env["res.partner"].search(
            [("is_retail_customer", "=", True), ("phone", "like", phone_digits)]
        )

    def test_import_matches_merges_reports(self):
        result = self._load(self.staff_a)
        errors = [m for m in result["messages"] if m["type"] == "error"]
        self.assertEqual(len(errors), 1, result["messages"])
        # file row 5 (header + 4th row), with the reason
        self.assertEqual(errors[0]["record"], 5)
        self.assertIn("phone", errors[0]["message"])
        self.assertIn("123", errors[0]["message"])
        self.assertIn("warning", [m["type"] for m in result["messages"]])
        # nothing written for the bad row
        self.assertFalse(self.env["res.partner"].search([("email", "=", "bad.row@example.com")]))
        # the existing customer updated, its e-mail kept (empty cell)
        self.assertEqual(len(self._customers("9188 2277")), 1)
        self.assertEqual(self.existing.district_id.code, "WC")
        self.assertEqual(self.existing.retail_channel, "store")
        self.assertEqual(self.existing.email, "chan.taiman@example.com")
        # one customer for the two rows of the same person, normalised, later row wins
        lee = self._customers("6177 3344")
        self.assertEqual(len(lee), 1)
        self.assertEqual(lee.phone, "+852 6177 3344")
        self.assertEqual(lee.email, "lee.siuling@example.com")
        self.assertEqual(lee.retail_channel, "online")
        self.assertEqual(lee.retail_branch_id, self.branch_a, "a clerk's customers: their branch")
        self.assertTrue(lee.is_retail_customer)
        record = self.env["crm.customer.import"].search([("user_id", "=", self.staff_a.id)])
        self.assertEqual(len(record), 1)
        self.assertEqual(
            (
                record.rows_read,
                record.created_count,
                record.updated_count,
                record.duplicate_count,
                record.rejected_count,
            ),
            (5, 2, 1, 1, 1),
        )
        self.assertEqual(record.state, "done")
        self.assertIn("Row 5", record.error_log)
        self.assertEqual(record.partner_count, 3)
        # the scan of the imported customers: the placeholder name "Test"
        self.assertTrue(record.dq_scan_id)
        counts = record._dq_counts()
        placeholder = self.env["crm.dq.rule"].search([("check", "=", "placeholder_name")])
        if placeholder:
            self.assertEqual(counts[placeholder[0].name], 1)
        self.assertEqual(record.with_user(self.staff_a).dq_issue_count, record.dq_issue_count)

    def test_import_twice_changes_nothing(self):
        self._load(self.staff_a, wizard=1)
        partners = self.env["res.partner"].search([("is_retail_customer", "=", True)])
        before = partners.read(["name", "phone", "email", "district_id", "retail_channel"])
        self.env.flush_all()
        self.env.cr.execute("SELECT max(write_date) FROM res_partner")
        last_write = self.env.cr.fetchone()[0]
        result = self._load(self.staff_a, wizard=2)
        self.env.flush_all()
        self.env.cr.execute("SELECT max(write_date) FROM res_partner")
        self.assertEqual(self.env.cr.fetchone()[0], last_write, "nothing written again")
        after = self.env["res.partner"].search([("is_retail_customer", "=", True)])
        self.assertEqual(after, partners)
        self.assertEqual(
            after.read(["name", "phone", "email", "district_id", "retail_channel"]), before
        )
        second = self.env["crm.customer.import"].search(
            [("base_import_id", "=", 2), ("user_id", "=", self.staff_a.id)]
        )
        self.assertEqual((second.created_count, second.updated_count), (0, 3))
        self.assertEqual(len([m for m in result["messages"] if m["type"] == "error"]), 1)

    def test_wrong_role_refused(self):
        before = self.env["crm.customer.import"].search_count([])
        with self.assertRaises(AccessError):
            self._load(self.analyst)
        with self.assertRaises(AccessError):
            self.env["crm.customer.import"].with_user(self.analyst)._template_file()
        self.assertEqual(self.env["crm.customer.import"].search_count([]), before)

    def test_clerk_only_into_own_branch(self):
        rows = [["Other Branch", "6433 2211", "", self.branch_b.code]]
        result = self._load(self.staff_a, rows, ["name", "phone", "email", "retail_branch_id"])
        errors = [m for m in result["messages"] if m["type"] == "error"]
        self.assertEqual(len(errors), 1, result["messages"])
        self.assertFalse(self._customers("6433 2211"))
        # the clerk sees their own imports only
        own = self.env["crm.customer.import"].with_user(self.staff_a).search([])
        self.assertEqual(len(own), 1)
        self.assertFalse(self.env["crm.customer.import"].with_user(self.staff_b).search([]))
        self.assertEqual(
            self.env["crm.customer.import"].with_user(self.manager_a).search([]), own.sudo(False)
        )

    def test_unknown_column_refused(self):
        result = self._load(
            self.staff_a, [["X", "91239999", "street 1"]], ["name", "phone", "street"]
        )
        self.assertFalse(result["ids"])
        self.assertIn("street", result["messages"][0]["message"])
        self.assertFalse(self._customers("9123 9999"))

    def test_stock_import_untouched(self):
        """Contacts imported elsewhere (no retail list context) stay Odoo's."""
        before = self.env["crm.customer.import"].search_count([])
        result = (
            self.env["res.partner"]
            .with_context(import_file=True)
            .load(["name", "phone"], [["Stock Import Ltd", "123"]])
        )
        self.assertEqual(len(result["ids"]), 1)
        partner = self.env["res.partner"].browse(result["ids"])
        self.assertFalse(partner.is_retail_customer)
        self.assertEqual(partner.phone, "123")
        self.assertEqual(self.env["crm.customer.import"].search_count([]), before)

    def test_scan_leaves_other_customers_alone(self):
        rule = self.env["crm.dq.rule"].search([("check", "=", "placeholder_name")], limit=1)
        if not rule:
            rule = self.env["crm.dq.rule"].create(
                {"name": "Placeholder", "check": "placeholder_name", "category": "substandard"}
            )
        outside = self.env["res.partner"].create(
            {"name": "Unknown", "is_retail_customer": True, "email": "outside@example.com"}
        )
        issue = self.env["crm.dq.issue"].create(
            {
                "rule_id": rule.id,
                "category": rule.category,
                "severity": rule.severity,
                "res_model": "res.partner",
                "res_id": outside.id,
                "partner_id": outside.id,
                "detail": "Unknown",
                "state": "open",
            }
        )
        outside.name = "A Real Name"  # fixed, but only a full scan may say so
        self._load(self.retail_admin)
        self.assertEqual(issue.state, "open")
        self.assertEqual(issue.detail, "Unknown")

    def test_command_batches_resend_counted_once(self):
        Import = self.env["crm.customer.import"].with_user(self.staff_a)
        start = Import.command_start("customers.csv", "ab" * 32, 3)
        record = Import.browse(start["id"])
        batch = [
            {"name": "Ho Ka Yan", "phone": "6555 1234"},
            {"name": "Ho Ka Yan", "mobile": "+85265551234"},
            {"name": "Bad Birthday"},
        ]
        first = record.command_batch(0, batch[:2], [[2, "'birthday_day' must be a number"]])
        self.assertEqual(
            (first["created"], first["duplicates"], first["rejected"], first["next_row"]),
            (1, 1, 1, 3),
        )
        again = record.command_batch(0, batch[:2], [[2, "'birthday_day' must be a number"]])
        self.assertTrue(again["skipped"])
        self.assertEqual(again["created"], 1)
        # a second run of the same file resumes the running import
        self.assertEqual(Import.command_start("customers.csv", "ab" * 32, 3)["id"], record.id)
        summary = record.command_finish(1.5)
        self.assertEqual(summary["state"], "done")
        self.assertEqual(len(self._customers("6555 1234")), 1)
        with self.assertRaises(AccessError):
            record.with_user(self.staff_a2).command_batch(3, batch)

    def test_template_maps_and_reimports(self):
        data = self.env["crm.customer.import"].with_user(self.staff_a)._template_file()
        book = openpyxl.load_workbook(io.BytesIO(data))
        sheet = book.worksheets[0]
        headers = [cell.value for cell in sheet[1]]
        self.assertEqual(len(headers), len(customer_import_template.TEMPLATE_COLUMNS))
        self.assertIn("Phone 電話", headers)
        values = book.worksheets[1]
        allowed = [row[0] for row in values.iter_rows(min_row=2, values_only=True) if row[0]]
        self.assertIn(self.district.display_name, allowed)
        row = {
            "Name 姓名": "Template Customer",
            "Mobile 手提電話": "9377 1188",
            "District 地區": self.district.display_name,
            "Channel 渠道": "In Store",
            "Birthday Day 生日日期": "12",
            "Birthday Month 生日月份": "3",
            "Interests 興趣": "Gold, Jade",
        }
        sheet.append([row.get(h, "") for h in headers])
        out = io.BytesIO()
        book.save(out)
        context = {"default_is_retail_customer": True}
        wizard = (
            self.env["base_import.import"]
            .with_user(self.staff_a)
            .with_context(**context)
            .create(
                {
                    "res_model": "res.partner",
                    "file": out.getvalue(),
                    "file_name": "template.xlsx",
                    "file_type": XLSX,
                }
            )
        )
        options = {
            "has_headers": True,
            "quoting": '"',
            "separator": ",",
            "date_format": "",
            "datetime_format": "",
        }
        preview = wizard.parse_preview(options)
        self.assertFalse(preview.get("error"), preview)
        matches = preview["matches"]
        fields = [(matches.get(i) or [None])[0] for i in range(len(headers))]
        self.assertEqual(
            fields, [column[2] for column in customer_import_template.TEMPLATE_COLUMNS], matches
        )
        result = wizard.execute_import(fields, headers, options)
        self.assertFalse(result["messages"], result["messages"])
        customer = self.env["res.partner"].browse(result["ids"])
        self.assertEqual(customer.mobile, "+852 9377 1188")
        self.assertEqual(customer.district_id, self.district)
        self.assertEqual((customer.birthday_day, customer.birthday_month), (12, 3))
        self.assertEqual(sorted(customer.interest_ids.mapped("name")), ["Gold", "Jade"])
        record = self.env["crm.customer.import"].search([("base_import_id", "=", wizard.id)])
        self.assertEqual(
            (record.name, record.created_count, record.state), ("template.xlsx", 1, "done")
        )
