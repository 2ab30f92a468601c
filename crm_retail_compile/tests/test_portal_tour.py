import re
from unittest import SkipTest

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@tagged("post_install", "-at_install")
class TestPortalProfile(HttpCase):
    """A retail customer's own profile on /my/account over HTTP: the retail
    fields a customer may edit, the suite's phone and e-mail rule with its
    message on the form, nothing written on bad input, each change logged
    on the customer with its source."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, login="portal.rita", groups="base.group_portal")
        cls.customer = cls.user.partner_id
        cls.customer.write(
            {
                "name": "Rita Portal",
                "email": "rita.portal@example.com",
                "is_retail_customer": True,
                "phone": "+852 9123 4001",
            }
        )
        cls.other = cls.env["res.partner"].create(
            {"name": "Other Customer", "is_retail_customer": True, "phone": "+852 9123 4002"}
        )
        cls.district = cls.env.ref("crm_retail_compile.district_tp")

    def _form(self, **changes):
        data = {
            "name": "Rita Portal",
            "email": "rita.portal@example.com",
            "phone": "+852 9123 4001",
            "country_id": "",
            "mobile": "",
            "district_id": "",
            "preferred_language": "",
            "preferred_contact_channel": "",
            "birthday_day": "",
            "birthday_month": "",
            "birthday_year": "",
        }
        data.update(changes)
        page = self.url_open("/my/account")
        self.assertEqual(page.status_code, 200)
        data["csrf_token"] = CSRF_RE.search(page.text).group(1)
        return self.url_open("/my/account", data=data)

    def test_profile_fields_shown(self):
        self.authenticate("portal.rita", "portal.rita")
        page = self.url_open("/my/account").text
        for name in ("mobile", "district_id", "preferred_language", "birthday_day"):
            self.assertIn(f'name="{name}"', page)
        self.assertNotIn('name="membership_number"', page)

    def test_bad_input_is_explained_and_not_saved(self):
        self.authenticate("portal.rita", "portal.rita")
        before = self.customer.message_ids
        for changes, message in (
            ({"mobile": "12345"}, "is not a valid phone number"),
            ({"phone": "not a phone"}, "+852 9123 4567"),
            ({"email": "rita@@example"}, "e-mail address"),
            ({"district_id": "999999"}, "Choose your district from the list"),
            ({"district_id": "abc"}, "Choose your district from the list"),
            ({"preferred_contact_channel": "pigeon"}, "from the list"),
            ({"birthday_day": "31", "birthday_month": "2"}, "Impossible birthday"),
            ({"birthday_day": "x"}, "in numbers"),
            ({"membership_number": "X1"}, "Unknown field"),
            ({"retail_branch_id": "1"}, "Unknown field"),
        ):
            response = self._form(**{"mobile": "+852 6123 4000", **changes})
            self.assertEqual(response.status_code, 200, changes)
            self.assertIn("alert-danger", response.text, changes)
            self.assertIn(message, response.text, changes)
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.mobile)
        self.assertFalse(self.customer.district_id)
        self.assertEqual(self.customer.message_ids, before)

    def test_update_normalised_and_logged(self):
        self.authenticate("portal.rita", "portal.rita")
        response = self._form(
            mobile="6123 4567",
            district_id=str(self.district.id),
            preferred_language="en",
            preferred_contact_channel="sms",
            birthday_day="29",
            birthday_month="2",
        )
        self.assertEqual(response.status_code, 200)
        self.customer.invalidate_recordset()
        self.assertRecordValues(
            self.customer,
            [
                {
                    "mobile": "+852 6123 4567",
                    "district_id": self.district.id,
                    "preferred_language": "en",
                    "preferred_contact_channel": "sms",
                    "birthday_day": 29,
                    "birthday_month": 2,
                    "birthday_year": 0,
                    "phone": "+852 9123 4001",
                }
            ],
        )
        note = self.customer.message_ids[:1]
        self.assertIn("by the customer, via the portal", note.body)
        self.assertIn("District", note.body)
        self.assertNotIn("29", note.body, "values are not copied into the chatter")
        self.assertEqual(note.author_id, self.customer)
        # another customer is never touched
        self.assertFalse(self.other.mobile)

    def test_api_cannot_claim_a_portal_consent(self):
        """Only the customer's own choice on the portal is recorded with the
        source "Customer portal"; an integration user cannot claim it."""
        integration = new_test_user(
            self.env, login="portal.api.user", groups="crm_retail_compile.group_integration"
        )
        Api = self.env["crm.retail.api"].with_user(integration)
        with self.assertRaisesRegex(ValidationError, "'source' must be one of"):
            Api.consent_record(
                [
                    {
                        "customer": self.other.id,
                        "purpose": "promotions",
                        "channel": "email",
                        "source": "portal",
                    }
                ]
            )


@tagged("post_install", "-at_install")
class TestPortalTour(HttpCase):
    """The demo portal customer in Chromium: profile update (a bad mobile
    number refused, then corrected), consent change and access request
    (static/tests/tours/portal_tours.js)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = cls.env["res.users"].search([("login", "=", "portal.customer")])
        if not cls.user:
            raise SkipTest("demo portal login missing (no demo data)")
        cls.customer = cls.user.partner_id
        cls.events = cls.env.ref("crm_privacy_pdpo.purpose_events")
        cls.env["res.users"].browse(cls.user.ids).lang = "en_US"

    def test_portal_customer_tour(self):
        self.start_tour("/my", "crm_retail_portal_customer", login="portal.customer", timeout=120)
        customer = self.customer
        customer.invalidate_recordset()
        self.assertEqual(customer.mobile, "+852 6123 4567")
        self.assertEqual(customer.district_id, self.env.ref("crm_retail_compile.district_tp"))
        self.assertEqual(customer.preferred_contact_channel, "sms")
        self.assertTrue(
            customer.message_ids.filtered(lambda m: "via the portal" in (m.body or "")),
        )
        consent = self.env["crm.privacy.consent"].search(
            [
                ("partner_id", "=", customer.id),
                ("purpose_id", "=", self.events.id),
                ("channel", "=", "email"),
            ],
            order="id desc",
            limit=1,
        )
        self.assertEqual((consent.kind, consent.source), ("opt_in", "portal"))
        self.assertIn("portal login portal.customer", consent.evidence)
        self.assertTrue(
            self.env["res.partner"]._crm_filter_consenting(customer, self.events, "email")
        )
        request = self.env["crm.privacy.request"].search(
            [("partner_id", "=", customer.id)], order="id desc", limit=1
        )
        self.assertEqual((request.request_type, request.state), ("access", "received"))
        self.assertIn("Tour:", request.request_details)
