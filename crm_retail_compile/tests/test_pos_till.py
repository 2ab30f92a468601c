from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import RetailCommon

POS_STAFF = "crm_retail_compile.group_branch_staff,point_of_sale.group_pos_user"


@tagged("post_install", "-at_install")
class TestPosTill(MockEmail, RetailCommon):
    """The customer at Odoo's POS (res.partner crm_pos_*): found by
    membership number or a reformatted Hong Kong phone number, enrolled
    without duplicates, with the collection notice and consents recorded at
    the till and honoured by the next mailing; a cashier without a Retail
    CRM role, or of another branch, is refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pics = cls.env["crm.privacy.pics"].create(
            {"name": "PICS", "version": "pos-1", "text_en": "<p>EN</p>", "text_zh": "<p>中</p>"}
        )
        cls.pics.action_activate()
        cls.purpose = cls.env.ref("crm_privacy_pdpo.purpose_promotions")
        cls.till_a = cls.env["pos.config"].create(
            {"name": "Till A", "retail_branch_id": cls.branch_a.id}
        )
        cls.cashier = new_test_user(cls.env, login="t_cashier_a", groups=POS_STAFF)
        cls.cashier.write(
            {
                "retail_branch_ids": [(6, 0, cls.branch_a.ids)],
                "retail_branch_id": cls.branch_a.id,
            }
        )
        cls.cashier_b = new_test_user(cls.env, login="t_cashier_b", groups=POS_STAFF)
        cls.cashier_b.write(
            {
                "retail_branch_ids": [(6, 0, cls.branch_b.ids)],
                "retail_branch_id": cls.branch_b.id,
            }
        )
        cls.cust_a.write({"phone": "9123 4567", "email": "chan.a@example.com"})
        cls.cust_a.action_enrol()
        cls.cust_b.write({"phone": "+852 6555 0000"})
        cls.Till = cls.env["res.partner"].with_user(cls.cashier)

    # ------------------------------------------------------------- finding
    def test_find_by_phone_in_any_format(self):
        self.assertEqual(self.cust_a.phone, "+852 9123 4567", "stored normalised")
        for query in ("9123 4567", "+852 9123-4567", "85291234567", "(852) 9123 4567"):
            with self.subTest(query=query):
                self.assertEqual(
                    self.Till.crm_pos_find_customers(self.till_a.id, query), self.cust_a.ids
                )
        self.assertEqual(self.Till.crm_pos_find_customers(self.till_a.id, "9123 4568"), [])

    def test_find_by_membership_number_and_email(self):
        number = self.cust_a.membership_number
        self.assertTrue(number)
        for query in (number, number.lower(), f" {number} ", "Chan.A@example.com"):
            with self.subTest(query=query):
                self.assertEqual(
                    self.Till.crm_pos_find_customers(self.till_a.id, query), self.cust_a.ids
                )

    def test_find_ignores_other_branch(self):
        """Another branch's customer is not found, as if unknown."""
        self.assertEqual(self.Till.crm_pos_find_customers(self.till_a.id, "6555 0000"), [])

    def test_pos_loads_membership_number(self):
        self.assertIn(
            "membership_number",
            self.env["res.partner"]._load_pos_data_fields(self.till_a.id),
        )

    def test_opening_a_till_costs_no_export_budget(self):
        """A till caches at most a page of customers when it opens: many
        customers in the branch, and still nothing charged to the cashier."""
        self.env["res.partner"].create(
            [{"name": f"Till regular {n}", "email": f"regular{n}@example.com"} for n in range(120)]
        )
        self.till_a.with_user(self.cashier).open_ui()
        session = self.till_a.current_session_id
        data = session.with_user(self.cashier).load_data([])
        self.assertLess(len(data["res.partner"]["data"]), 81)
        logs = self.env["crm.privacy.export.log"].search([("user_id", "=", self.cashier.id)])
        self.assertFalse(logs, "opening the till is browsing, not an export")

    # ------------------------------------------------------------ enrolling
    def test_enrol_finds_existing_customer(self):
        """A reformatted phone number is the same customer: no duplicate."""
        before = self.env["res.partner"].search_count([])
        result = self.Till.crm_pos_enrol(
            self.till_a.id,
            {"name": "Chan Tai Man", "phone": "85291234567"},
            {"pics_acknowledged": True},
        )
        self.assertEqual(result["id"], self.cust_a.id)
        self.assertFalse(result["created"])
        self.assertEqual(result["membership_number"], self.cust_a.membership_number)
        self.assertEqual(self.env["res.partner"].search_count([]), before)
        self.assertEqual(self.cust_a.name, "Customer A", "the known record is left as it is")

    def test_enrol_new_customer_with_consent(self):
        result = self.Till.crm_pos_enrol(
            self.till_a.id,
            {"name": "Wong Mei Ling", "phone": "6123-4567", "email": " wong.ml@example.com"},
            {
                "pics_acknowledged": True,
                "consents": {f"{self.purpose.id}:email": True, f"{self.purpose.id}:sms": False},
            },
        )
        self.assertTrue(result["created"])
        partner = self.env["res.partner"].browse(result["id"])
        self.assertEqual(partner.phone, "+852 6123 4567")
        self.assertEqual(partner.email, "wong.ml@example.com")
        self.assertTrue(partner.is_retail_customer)
        self.assertEqual(partner.retail_branch_id, self.branch_a)
        self.assertEqual(partner.retail_channel, "store")
        self.assertTrue(partner.membership_number)
        self.assertEqual(result["membership_number"], partner.membership_number)
        ack = partner.crm_pics_ack_ids
        self.assertEqual(len(ack), 1)
        self.assertEqual(
            (ack.pics_id, ack.channel, ack.retail_branch_id, ack.user_id, ack.branch_ref),
            (self.pics, "store", self.branch_a, self.cashier, "Till A"),
        )
        consent = partner.crm_consent_ids
        self.assertEqual(len(consent), 1, "silence (an unticked box) is not recorded")
        self.assertEqual(
            (consent.purpose_id, consent.channel, consent.kind, consent.source),
            (self.purpose, "email", "opt_in", "pos"),
        )
        self.assertEqual(consent.recorded_branch_id, self.branch_a)
        self.assertEqual(consent.user_id, self.cashier)
        self.assertEqual(consent.pics_id, self.pics)
        self.assertIn("Till A", consent.evidence)
        self.assertTrue(consent.consent_date)
        # found again by the same number, any format
        self.assertEqual(
            self.Till.crm_pos_find_customers(self.till_a.id, "+852 6123 4567"), partner.ids
        )

    def test_enrol_twice_makes_one_customer(self):
        values = {"name": "Lee Ka Yan", "phone": "5987 6541"}
        before = self.env["res.partner"].search_count([])
        first = self.Till.crm_pos_enrol(self.till_a.id, values, {"pics_acknowledged": True})
        second = self.Till.crm_pos_enrol(
            self.till_a.id, dict(values, phone="+852 5987-6541"), {"pics_acknowledged": True}
        )
        self.assertTrue(first["created"])
        self.assertFalse(second["created"])
        self.assertEqual(first["id"], second["id"])
        self.assertEqual(self.env["res.partner"].search_count([]), before + 1)

    def test_enrol_refuses_bad_input(self):
        before = self.env["res.partner"].search_count([])
        bad = [
            ({"name": "X", "phone": "1234"}, {"pics_acknowledged": True}),
            ({"name": "X", "email": "not-an-email"}, {"pics_acknowledged": True}),
            ({"name": "X"}, {"pics_acknowledged": True}),
            ({"phone": "9876 5432"}, {"pics_acknowledged": True}),
            ({"name": "X", "phone": "9876 5432", "vat": "1"}, {"pics_acknowledged": True}),
            # a new customer is given the collection notice
            ({"name": "X", "phone": "9876 5432"}, {"pics_acknowledged": False}),
            (
                {"name": "X", "phone": "9876 5432"},
                {"pics_acknowledged": True, "consents": {"1": 1}},
            ),
            ("X", {}),
        ]
        for customer, privacy in bad:
            with (
                self.subTest(customer=customer, privacy=privacy),
                self.assertRaises(ValidationError),
            ):
                self.Till.crm_pos_enrol(self.till_a.id, customer, privacy)
        self.assertEqual(self.env["res.partner"].search_count([]), before)

    def test_consent_needs_the_notice(self):
        """A known customer never given the notice: no opt-in without it."""
        answers = {"consents": {f"{self.purpose.id}:email": True}}
        with self.assertRaises(ValidationError):
            self.Till.crm_pos_record_privacy(self.till_a.id, self.cust_a2.id, answers)
        result = self.Till.crm_pos_record_privacy(
            self.till_a.id, self.cust_a2.id, dict(answers, pics_acknowledged=True)
        )
        self.assertEqual(result["recorded"], 1)
        form = self.Till.crm_pos_privacy_form(self.till_a.id, self.cust_a2.id)
        self.assertTrue(form["acknowledged"])
        self.assertEqual(form["consents"], {f"{self.purpose.id}:email": True})
        self.assertEqual(form["pics"]["version"], "pos-1")
        # the same answers again record nothing new
        result = self.Till.crm_pos_record_privacy(self.till_a.id, self.cust_a2.id, answers)
        self.assertEqual(result["recorded"], 0)

    def test_recorded_branch_is_the_tills(self):
        """Only the till's code sets the branch a consent was recorded at."""
        with self.assertRaises(AccessError):
            self.env["crm.privacy.consent"].with_user(self.staff_a).create(
                {
                    "partner_id": self.cust_a.id,
                    "purpose_id": self.purpose.id,
                    "channel": "email",
                    "pics_id": self.pics.id,
                    "recorded_branch_id": self.branch_b.id,
                }
            )

    # ------------------------------------------------------------- mailing
    def _send_promotion(self, partners):
        mailing = self.env["mailing.mailing"].create(
            {
                "name": "Promo",
                "subject": "Promo",
                "mailing_type": "mail",
                "body_html": "<p>Hello</p>",
                "mailing_model_id": self.env["ir.model"]._get("res.partner").id,
                "mailing_domain": repr([("id", "in", partners.ids)]),
                "privacy_purpose_id": self.purpose.id,
            }
        )
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        traces = self.env["mailing.trace"].search(
            [("mass_mailing_id", "=", mailing.id), ("trace_status", "!=", "cancel")]
        )
        return set(traces.mapped("res_id"))

    def test_consent_at_till_drives_the_next_mailing(self):
        key = f"{self.purpose.id}:email"
        result = self.Till.crm_pos_enrol(
            self.till_a.id,
            {"name": "Ho Siu Fung", "email": "ho.sf@example.com"},
            {"pics_acknowledged": True, "consents": {key: True}},
        )
        consenting = self.env["res.partner"].browse(result["id"])
        silent = self.Till.crm_pos_enrol(
            self.till_a.id,
            {"name": "Tam Wai", "email": "tam.w@example.com"},
            {"pics_acknowledged": True, "consents": {key: False}},
        )
        silent = self.env["res.partner"].browse(silent["id"])
        self.assertEqual(self._send_promotion(consenting | silent), {consenting.id})
        # withdrawn at the till the next day: the next mailing leaves them out
        self.Till.crm_pos_record_privacy(self.till_a.id, consenting.id, {"consents": {key: False}})
        latest = self.env["crm.privacy.consent"].search(
            [("partner_id", "=", consenting.id)], limit=1
        )
        self.assertEqual((latest.kind, latest.source), ("opt_out", "pos"))
        self.assertEqual(self._send_promotion(consenting | silent), set())

    # -------------------------------------------------------------- access
    def test_cashier_without_rights_refused(self):
        pos_only = new_test_user(
            self.env, login="t_pos_only", groups="point_of_sale.group_pos_user"
        )
        # a Retail CRM role without the Point of Sale (branch staff have both)
        for user in (pos_only, self.analyst):
            Till = self.env["res.partner"].with_user(user)
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    Till.crm_pos_find_customers(self.till_a.id, "9123 4567")
                with self.assertRaises(AccessError):
                    Till.crm_pos_enrol(
                        self.till_a.id,
                        {"name": "X", "phone": "9876 5432"},
                        {"pics_acknowledged": True},
                    )
                with self.assertRaises(AccessError):
                    Till.crm_pos_privacy_form(self.till_a.id)

    def test_cashier_of_another_branch_refused(self):
        Till = self.env["res.partner"].with_user(self.cashier_b)
        with self.assertRaises(AccessError):
            Till.crm_pos_find_customers(self.till_a.id, "9123 4567")
        with self.assertRaises(AccessError):
            Till.crm_pos_enrol(
                self.till_a.id, {"name": "X", "phone": "9876 5432"}, {"pics_acknowledged": True}
            )
        # nor another branch's customer from their own till
        till_b = self.env["pos.config"].create(
            {"name": "Till B", "retail_branch_id": self.branch_b.id}
        )
        with self.assertRaises(AccessError):
            Till.crm_pos_record_privacy(till_b.id, self.cust_a.id, {"pics_acknowledged": True})
