from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import JewelleryCommon

# unusual numbers (the demo data has customers with JewelleryCommon's)
HK_FORMATS = (
    "5987 6012",
    "59876012",
    "+852 5987-6012",
    "+85259876012",
    "85259876012",
    "(852) 59876012",
    " 852-5987-6012 ",
)


@tagged("post_install", "-at_install")
class TestCallerLookup(JewelleryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cust_a.mobile = "+852 5987 6012"
        cls.cust_b.mobile = "+852 6987 1034"
        cls.Lookup = cls.env["crm.jewellery.caller.lookup"]
        cls.tier = cls.env["crm.membership.tier"].search([], limit=1)
        cls.cust_a.write({"membership_tier_id": cls.tier.id, "user_id": cls.staff_a2.id})
        cls.integration = new_test_user(
            cls.env,
            login="t_integration_calls",
            groups="crm_retail_compile.group_integration",
        )
        cls.integration.write(
            {
                "retail_branch_ids": [(6, 0, cls.branch_a.ids)],
                "retail_branch_id": cls.branch_a.id,
            }
        )

    def lookup(self, number, user=None):
        return self.Lookup.with_user(user or self.staff_a).caller_lookup(number)

    def test_every_hong_kong_format_finds_the_customer(self):
        for number in HK_FORMATS:
            with self.subTest(number=number):
                result = self.lookup(number)
                self.assertEqual(result["key"], "59876012")
                self.assertEqual(result["number"], "+852 5987 6012")
                self.assertEqual(result["count"], 1)
                customer = result["customers"][0]
                self.assertTrue(customer["own_branch"])
                self.assertEqual(customer["id"], self.cust_a.id)
                self.assertEqual(customer["name"], "Customer A")
                self.assertEqual(customer["branch"], self.branch_a.display_name)
                self.assertEqual(customer["tier"], self.tier.display_name)
                self.assertEqual(customer["salesperson"], self.staff_a2.name)

    def test_summary_counts_orders_consent_and_last_purchase(self):
        order = self.env["crm.jewellery.custom.order"].create(
            {
                "partner_id": self.cust_a.id,
                "retail_branch_id": self.branch_a.id,
                "service_amount": 3000.0,
            }
        )
        self.env["crm.jewellery.custom.order"].create(
            {"partner_id": self.cust_a.id, "retail_branch_id": self.branch_a.id}
        ).with_context(crm_jewellery_no_notice=True).action_cancel()
        self.order_a_own.action_confirm()
        customer = self.lookup("5987 6012")["customers"][0]
        self.assertEqual(customer["open_custom_orders"], 1, order.name)
        self.assertEqual(customer["open_repairs"], 0)
        self.assertEqual(customer["unpaid_invoices"], 0)
        self.assertEqual(customer["last_purchase"], self.order_a_own.date_order.date().isoformat())
        self.assertFalse(customer["call_consent"])
        self.consent(self.cust_a, "promotions", "phone")
        customer = self.lookup("5987 6012")["customers"][0]
        self.assertTrue(customer["call_consent"])
        self.assertEqual(len(customer["call_consent_purposes"]), 1)

    def test_foreign_number_does_not_match_same_last_eight_digits(self):
        self.cust_a2.phone = "+86 139 5987 6012"
        result = self.lookup("+86 139 5987 6012")
        self.assertEqual([c["id"] for c in result["customers"]], self.cust_a2.ids)
        self.assertEqual(result["number"], "+86 139 5987 6012")
        result = self.lookup("5987 6012")
        self.assertEqual([c["id"] for c in result["customers"]], self.cust_a.ids)
        self.assertEqual(self.lookup("+44 20 5987 6012")["count"], 0)

    def test_several_customers_with_the_number_are_listed(self):
        self.cust_a2.phone = "5987-6012"
        result = self.lookup("+852 5987 6012")
        self.assertEqual(
            sorted(c["id"] for c in result["customers"]), sorted((self.cust_a | self.cust_a2).ids)
        )

    def test_other_branch_caller_gets_minimal_data(self):
        result = self.lookup("6987 1034")  # cust_b, branch B
        self.assertEqual(result["count"], 1)
        customer = result["customers"][0]
        self.assertEqual(
            customer,
            {"own_branch": False, "branch": self.branch_b.display_name, "branch_phone": ""},
        )
        # the lookup is noted on the customer's chatter
        notes = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", self.cust_b.id)]
        )
        self.assertTrue(any("Looked up as a caller" in (m.body or "") for m in notes))
        # staff of branch B see the whole summary
        customer = self.lookup("6987 1034", self.staff_b)["customers"][0]
        self.assertEqual(customer["id"], self.cust_b.id)

    def test_lookup_is_charged_to_the_budget(self):
        Log = self.env["crm.privacy.export.log"]
        before = Log.search_count([("user_id", "=", self.staff_a.id)])
        self.lookup("5987 6012")
        self.assertEqual(Log.search_count([("user_id", "=", self.staff_a.id)]), before + 1)

    def test_bad_input_and_roles(self):
        for number in ("", "  ", "1234 567", "abcdefgh", "5987 6012 ext 2", "9" * 30):
            with self.subTest(number=number), self.assertRaises(UserError):
                self.lookup(number)
        for number in (None, 59876012, ["5987 6012"]):
            with self.subTest(number=number), self.assertRaises(UserError):
                self.lookup(number)
        for user in (self.analyst, self.internal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.lookup("5987 6012", user)

    def test_integration_user_looks_up_within_its_branches(self):
        result = self.lookup("85259876012", self.integration)
        self.assertEqual(result["customers"][0]["id"], self.cust_a.id)
        self.assertFalse(self.lookup("85269871034", self.integration)["customers"][0]["own_branch"])

    def test_wizard_lists_the_customers(self):
        self.cust_a2.phone = "5987 6012"
        wizard = self.Lookup.with_user(self.staff_a).create({"number": "(852) 59876012"})
        action = wizard.action_lookup()
        self.assertEqual(action["res_id"], wizard.id)
        self.assertEqual(wizard.formatted_number, "+852 5987 6012")
        self.assertEqual(wizard.line_ids.partner_id, self.cust_a | self.cust_a2)
        line = wizard.line_ids.filtered(lambda ln: ln.partner_id == self.cust_a)
        log = line.action_log_call()
        self.assertEqual(log["context"]["default_partner_id"], self.cust_a.id)
        self.assertEqual(log["context"]["default_phone"], "+852 5987 6012")
        wizard.number = "6987 1034"
        wizard.action_lookup()
        self.assertFalse(wizard.line_ids.partner_id)
        self.assertFalse(wizard.line_ids.own_branch)
        self.assertEqual(wizard.line_ids.branch, self.branch_b.display_name)


@tagged("post_install", "-at_install")
class TestCallsByNumber(JewelleryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cust_a.mobile = "+852 5987 6012"
        cls.cust_b.mobile = "+852 6987 1034"

    def setUp(self):
        super().setUp()
        self.Call = self.env["crm.jewellery.call"].with_user(self.staff_a)

    def call(self, **vals):
        return self.Call.create(dict({"summary": "Asked about a ring"}, **vals))

    def test_call_by_number_is_linked_and_normalised(self):
        call = self.call(phone="(852) 5987-6012")
        self.assertEqual(call.partner_id, self.cust_a)
        self.assertEqual(call.phone, "+852 5987 6012")
        self.assertEqual(call.retail_branch_id, self.branch_a)
        # a number the formatter cannot read stays as typed
        self.assertEqual(self.call(phone=" 1878 ").phone, "1878")
        # an explicit customer is kept
        self.assertEqual(
            self.call(phone="5987 6012", partner_id=self.cust_a2.id).partner_id, self.cust_a2
        )

    def test_not_linked_to_other_branch_or_ambiguous(self):
        call = self.call(phone="6987 1034")  # cust_b, branch B: not readable
        self.assertFalse(call.partner_id)
        self.assertEqual(call.phone, "+852 6987 1034")
        self.cust_a2.phone = "+852 5987 6012"
        self.assertFalse(self.call(phone="59876012").partner_id)
        # a foreign number ending like a Hong Kong one
        self.cust_a2.phone = False
        self.assertFalse(self.call(phone="+44 20 5987 6012").partner_id)

    def test_batch_matches_in_constant_queries(self):
        partners = self.env["res.partner"].create(
            [
                {
                    "name": f"Caller {i}",
                    "is_retail_customer": True,
                    "retail_branch_id": self.branch_a.id,
                    "mobile": f"+852 61{i:02d} 4322",
                }
                for i in range(30)
            ]
        )
        self.env.flush_all()

        def queries(count):
            vals_list = [{"phone": f"61{i:02d}4322"} for i in range(count)]
            cr = self.env.cr
            before = cr.sql_log_count
            self.Call._link_partners_by_phone(vals_list)
            return cr.sql_log_count - before, vals_list

        queries(1)  # warm the rule caches
        few, _vals = queries(2)
        many, vals_list = queries(30)
        self.assertEqual(few, many)
        self.assertLessEqual(many, 3)
        self.assertEqual([v["partner_id"] for v in vals_list], partners.ids)
        calls = self.Call.create([dict(v, summary="Batch") for v in vals_list])
        self.assertEqual(calls.partner_id, partners)

    def test_missed_call_plans_a_call_back_until_called(self):
        self.cust_a.user_id = self.staff_a2
        missed = self.call(phone="5987 6012", outcome="missed")
        activity = missed.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.staff_a2)
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        voicemail = self.call(phone="+852 6129 4321", outcome="voicemail")
        self.assertEqual(voicemail.activity_ids.user_id, self.staff_a)
        # answered or outbound calls plan nothing
        self.assertFalse(self.call(phone="5987 6012").activity_ids)
        self.assertFalse(
            self.call(phone="5987 6012", direction="outbound", outcome="no_answer").activity_ids
        )
        to_call_back = [
            ("direction", "=", "inbound"),
            ("outcome", "in", ("missed", "no_answer", "voicemail")),
            ("activity_ids", "!=", False),
        ]
        self.assertEqual(self.Call.search(to_call_back), missed | voicemail)
        # an outbound call that reaches the customer closes the call-back
        self.call(partner_id=self.cust_a.id, direction="outbound", outcome="answered")
        self.assertEqual(self.Call.search(to_call_back), voicemail)
        self.call(phone="6129 4321", direction="outbound", outcome="resolved")
        self.assertFalse(self.Call.search(to_call_back))
