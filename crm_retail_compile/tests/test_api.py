from datetime import timedelta
from unittest.mock import patch

from odoo import models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..models import crm_retail_api
from .common import RetailCommon

# a red pixel: an image Odoo resizes
PIXEL_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)


@tagged("post_install", "-at_install")
class TestApi(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.integration = new_test_user(
            cls.env, login="t_integration", groups="crm_retail_compile.group_integration"
        )
        cls.Api = cls.env["crm.retail.api"].with_user(cls.integration)
        cls.env.ref("crm_retail_compile.membership_tier_gold")

    def test_upsert_creates_then_updates_by_phone_email_or_number(self):
        first = self.Api.customer_upsert(
            {
                "name": "Ho Wing 何榮",
                "phone": "+852 9876 1234",
                "district": "YT",
                "tier": "gold",
                "interests": ["Jade", "Diamonds"],
            }
        )
        self.assertTrue(first["created"])
        partner = self.env["res.partner"].browse(first["id"])
        self.assertEqual(partner.district_id.code, "YT")
        self.assertEqual(partner.membership_tier_id.code, "gold")
        self.assertEqual(sorted(partner.interest_ids.mapped("name")), ["Diamonds", "Jade"])
        # the same phone written differently finds the same customer
        again = self.Api.customer_upsert(
            {"phone": "98761234", "email": "ho.wing@example.com", "channel": "online"}
        )
        self.assertEqual(again["id"], first["id"])
        self.assertFalse(again["created"])
        self.assertEqual(partner.email, "ho.wing@example.com")
        self.assertEqual(partner.name, "Ho Wing 何榮", "an upsert never erases a known name")
        by_email = self.Api.customer_upsert(
            {"email": "HO.WING@example.com ", "residency": "visitor"}
        )
        self.assertEqual(by_email["id"], first["id"])

    def test_a_mobile_number_finds_the_customer_given_by_phone(self):
        first = self.Api.customer_upsert({"name": "Lam Mei", "mobile": "+852 6123 4567"})
        again = self.Api.customer_upsert({"phone": "6123-4567", "email": "lam.mei@example.com"})
        self.assertEqual(again["id"], first["id"])
        self.assertFalse(again["created"])
        # an existing customer's stored mobile, not only the API's identity table
        partner = self.env["res.partner"].create(
            {"name": "Shop Walk-in", "mobile": "5123 9876", "is_retail_customer": True}
        )
        found = self.Api.customer_upsert({"phone": "+85251239876"})
        self.assertEqual(found["id"], partner.id)

    def test_batch_finds_duplicates_inside_the_batch(self):
        result = self.Api.customer_upsert_batch(
            [
                {"name": "A", "email": "same@example.com"},
                {"name": "A again", "email": "same@example.com", "phone": "61234567"},
            ]
        )
        self.assertEqual(result["created"], 1)
        self.assertEqual(result["updated"], 1)
        self.assertEqual(result["results"][0]["id"], result["results"][1]["id"])

    def test_atomic_batch_with_a_bad_record_writes_nothing(self):
        before = self.env["res.partner"].search_count([])
        with self.assertRaisesRegex(ValidationError, "record 1"):
            self.Api.customer_upsert_batch(
                [
                    {"name": "Good", "email": "good@example.com"},
                    {"name": "Bad", "email": "not-an-email"},
                ]
            )
        self.assertEqual(self.env["res.partner"].search_count([]), before)

    def test_per_record_batch_reports_each_result(self):
        result = self.Api.customer_upsert_batch(
            [
                {"name": "Good", "email": "good2@example.com"},
                {"name": "Bad", "phone": 12345},
                {"name": "x" * 300, "email": "long@example.com"},
                {"name": "Unknown district", "email": "d@example.com", "district": "ZZ"},
            ],
            mode="per_record",
        )
        self.assertEqual([r["ok"] for r in result["results"]], [True, False, False, False])
        self.assertIn("must be a string", result["results"][1]["error"])
        self.assertIn("longer than", result["results"][2]["error"])
        self.assertIn("unknown district", result["results"][3]["error"])

    def test_per_record_batch_isolates_records_the_database_refuses(self):
        """A birthday in the future passes the input check but not the
        model's constraint: only that record fails, in creations and
        updates alike, and the others of its write group are kept."""
        existing = self.Api.customer_upsert_batch(
            [{"name": f"Known {i}", "email": f"known{i}@example.com"} for i in range(3)]
        )
        ids = [r["id"] for r in existing["results"]]
        result = self.Api.customer_upsert_batch(
            [
                {"name": "New good", "email": "new.good@example.com"},
                {"name": "New bad", "email": "new.bad@example.com", "birthday_year": 2099},
                {"name": "New good 2", "email": "new.good2@example.com"},
                {"email": "known0@example.com", "tier": "gold"},
                {"email": "known1@example.com", "tier": "gold", "birthday_year": 2099},
                {"email": "known2@example.com", "tier": "gold"},
            ],
            mode="per_record",
        )
        self.assertEqual(
            [r["ok"] for r in result["results"]], [True, False, True, True, False, True]
        )
        self.assertIn("Impossible birthday", result["results"][1]["error"])
        self.assertIn("Impossible birthday", result["results"][4]["error"])
        self.assertEqual((result["created"], result["updated"], result["failed"]), (2, 2, 2))
        Partner = self.env["res.partner"]
        self.assertFalse(Partner.search([("email", "=", "new.bad@example.com")]))
        known = Partner.browse(ids)
        self.assertEqual([p.membership_tier_id.code for p in known], ["gold", False, "gold"])
        self.assertEqual(known[1].birthday_year, 0)

    def test_batch_records_the_identities_of_the_customers_it_creates(self):
        """The identity keys of the customers a batch creates point to them
        (one statement after the creation, a key claimed before included);
        a customer the database refused leaves no key behind."""
        self.env.cr.execute(
            SQL(
                "INSERT INTO crm_customer_identity (key) VALUES (%s)",
                "email:claimed.before@example.com",
            )
        )
        result = self.Api.customer_upsert_batch(
            [
                {"name": "Id A", "email": "claimed.before@example.com", "phone": "+852 5432 1098"},
                {"name": "Id B", "email": "id.bad@example.com", "birthday_year": 2099},
                {"name": "Id C", "membership_number": "ID-C-1"},
            ],
            mode="per_record",
        )
        self.assertEqual([r["ok"] for r in result["results"]], [True, False, True], result)
        first, third = result["results"][0]["id"], result["results"][2]["id"]
        self.env.cr.execute(
            SQL(
                "SELECT key, partner_id FROM crm_customer_identity WHERE key = ANY(%s)",
                [
                    "email:claimed.before@example.com",
                    "phone:54321098",
                    "email:id.bad@example.com",
                    "membership:ID-C-1",
                ],
            )
        )
        self.assertEqual(
            dict(self.env.cr.fetchall()),
            {
                "email:claimed.before@example.com": first,
                "phone:54321098": first,
                "membership:ID-C-1": third,
            },
        )

    def test_resending_a_profile_writes_nothing(self):
        batch = [
            {"name": f"Sync {i}", "email": f"sync{i}@example.com", "channel": "online"}
            for i in range(3)
        ]
        self.Api.customer_upsert_batch(batch)
        Partner = self.registry["res.partner"]
        with patch.object(Partner, "write", autospec=True, side_effect=Partner.write) as write:
            again = self.Api.customer_upsert_batch(batch)
            self.assertEqual(again["updated"], 3)
            write.assert_not_called()
            # the same change for all: one write for the three customers
            changed = self.Api.customer_upsert_batch([dict(r, tier="gold") for r in batch])
            self.assertEqual(changed["updated"], 3)
            self.assertEqual(write.call_count, 1)
            self.assertEqual(len(write.call_args.args[0]), 3)

    def test_batch_defaults_computed_once_unless_they_vary(self):
        Partner = self.env["res.partner"]
        counter = iter(range(1, 100))
        field = Partner._fields["color"]
        with patch.object(field, "default", lambda model: next(counter)):
            Model, vals_list = self.Api._batch_create_values(
                Partner, [{"name": "A"}, {"name": "B"}]
            )
        shared = vals_list[0]
        self.assertEqual(shared["preferred_language"], "zh_HK")
        self.assertEqual(shared["name"], "A")
        self.assertEqual(vals_list[1]["name"], "B")
        self.assertNotIn("color", shared, "a default that varies is left to each record")
        no_default = Model.env.context["crm_no_default"]
        self.assertIn("ref", no_default)
        self.assertNotIn("color", no_default)
        # user_id is precomputed from the parent: no record gives one here
        self.assertIn("user_id", shared)
        _Model, with_parent = self.Api._batch_create_values(
            Partner, [{"name": "A", "parent_id": False}, {"name": "B"}]
        )
        self.assertNotIn("user_id", with_parent[1], "its input varies by record")

    def test_fields_without_default_are_skipped_unless_the_context_gives_one(self):
        Partner = self.env["res.partner"].with_context(crm_no_default=("ref", "vat"))
        self.assertEqual(Partner.default_get(["ref", "vat"]), {})
        self.assertEqual(
            Partner.with_context(default_ref="R-1").default_get(["ref", "vat"]), {"ref": "R-1"}
        )
        self.assertIn("lang", Partner.default_get(["ref", "lang"]))

    def test_batch_creation_stores_what_plain_create_stores(self):
        """The batch shortcuts give the same customers as Odoo's create."""
        Partner = self.env["res.partner"]
        rows = [
            {"name": f"Same {i}", "email": f"same{i}@example.com", "is_retail_customer": True}
            for i in range(3)
        ]
        Model, vals_list = self.Api._batch_create_values(Partner, [dict(r) for r in rows])
        batch = Model.create(vals_list)
        plain = Partner.create([dict(r, email=f"plain{i}@example.com") for i, r in enumerate(rows)])
        skip = {"id", "email", "email_normalized", "commercial_partner_id", "complete_name"}
        skip |= {"create_date", "write_date", "name", "display_name", "__last_update"}
        # Date(time) fields with a default (calendar_last_notif_ack: Datetime.now)
        # read the clock at each create, and the two creates may fall on either
        # side of a second (or midnight): compared as set alike and close in
        # time, not equal, so the test does not fail by the clock.
        tolerance = {"date": timedelta(days=1), "datetime": timedelta(minutes=1)}
        clock = {
            name
            for name, field in Partner._fields.items()
            if field.type in tolerance and field.default and name not in skip
        }
        names = [
            name
            for name, field in Partner._fields.items()
            if field.store and field.type not in ("one2many", "binary") and name not in skip
        ]
        for ours, theirs in zip(batch.read(names), plain.read(names), strict=True):
            for name in names:
                if name in clock and ours[name] and theirs[name]:
                    gap = abs(ours[name] - theirs[name])
                    self.assertLessEqual(gap, tolerance[Partner._fields[name].type], name)
                else:
                    self.assertEqual(ours[name], theirs[name], name)
        self.assertEqual(batch.mapped("commercial_partner_id"), batch)
        self.assertEqual(batch.mapped("email_normalized"), [r["email"] for r in rows])

    def _assert_same_as_plain_create(self, rows, batch, plain):
        """``batch`` and ``plain`` (created from the same ``rows``) hold the
        same stored values, but for their ids, creation times and e-mails."""
        Partner = self.env["res.partner"]
        skip = {"id", "email", "email_normalized", "create_date", "write_date", "__last_update"}
        skip |= {"calendar_last_notif_ack"}  # the clock: see the test above
        names = [
            name
            for name, field in Partner._fields.items()
            if field.store and field.type not in ("one2many", "binary") and name not in skip
        ]
        batch.invalidate_recordset()
        plain.invalidate_recordset()
        for row, ours, theirs in zip(rows, batch, plain, strict=True):
            for name in names:
                field = Partner._fields[name]
                if name == "commercial_partner_id" and not row.get("parent_id"):
                    # each customer is its own commercial entity
                    self.assertEqual(ours[name], ours, name)
                    self.assertEqual(theirs[name], theirs, name)
                    continue
                self.assertEqual(
                    field.convert_to_read(ours[name], ours),
                    field.convert_to_read(theirs[name], theirs),
                    f"{name} of {row['name']}",
                )

    def test_batch_of_records_giving_different_fields_stores_what_plain_create_stores(self):
        """Records that give different fields (a phone here, a parent company
        there, a tag) get the defaults of the others once for all, skip
        Odoo's search for missing defaults, have their commercial entity
        computed once for all, and store what Odoo's create stores."""
        Partner = self.env["res.partner"]
        company = Partner.create({"name": "Kowloon Gems Ltd", "is_company": True})
        tag = self.env["res.partner.category"].create({"name": "VIP"})
        rows = [
            {"name": "Mixed A", "email": "mixed.a@example.com", "is_retail_customer": True},
            {
                "name": "Mixed B",
                "email": "mixed.b@example.com",
                "phone": "+852 9123 4567",
                "is_retail_customer": True,
                "retail_channel": "online",
                "preferred_language": "en",
            },
            {"name": "Mixed C", "email": "mixed.c@example.com", "parent_id": company.id},
            {"name": "Mixed D", "email": "mixed.d@example.com", "category_id": [(6, 0, tag.ids)]},
        ]
        Model, vals_list = self.Api._batch_create_values(Partner, [dict(r) for r in rows])
        self.assertEqual(vals_list[0]["preferred_language"], "zh_HK", "the default, given once")
        self.assertEqual(vals_list[1]["preferred_language"], "en")
        self.assertTrue(Model.env.context.get("crm_batch_keys"))
        company.flush_recordset()
        listed, computed = [], []
        odoo_defaults = models.BaseModel._add_missing_default_values
        compute = type(Partner)._compute_commercial_partner

        def listing(model, values):
            listed.append(values)
            return odoo_defaults(model, values)

        def counting(records):
            computed.append(len(records))
            return compute(records)

        with (
            patch.object(models.BaseModel, "_add_missing_default_values", listing),
            patch.object(type(Partner), "_compute_commercial_partner", counting),
        ):
            batch = Model.create(vals_list)
            batch.flush_recordset()
        self.assertEqual(listed, [], "no record of the batch lists missing defaults")
        # Odoo's create reads the entity of a contact given a parent at once;
        # the three others are computed together
        self.assertEqual(sorted(computed), [1, 3])
        plain = Partner.create([dict(r, email="plain." + r["email"]) for r in rows])
        self.assertEqual(batch[2].commercial_partner_id, company)
        self.assertEqual(batch[3].category_id, tag)
        self._assert_same_as_plain_create(rows, batch, plain)

    def test_batch_record_gets_a_default_the_context_gives_later(self):
        """A default given in the context after the batch was prepared still
        reaches the records that do not give the field (Odoo's way)."""
        Partner = self.env["res.partner"]
        Model, vals_list = self.Api._batch_create_values(
            Partner, [{"name": "Ctx A"}, {"name": "Ctx B", "ref": "OWN"}]
        )
        batch = Model.with_context(default_ref="CTX-1").create(vals_list)
        self.assertEqual(batch.mapped("ref"), ["CTX-1", "OWN"])
        plain = Partner.with_context(default_ref="CTX-1").create(
            [{"name": "Ctx A"}, {"name": "Ctx B", "ref": "OWN"}]
        )
        self.assertEqual(plain.mapped("ref"), batch.mapped("ref"))

    def test_batch_entities_of_related_records_follow_odoo(self):
        """Records of one batch whose commercial entities depend on each
        other are left to Odoo's record-by-record computation."""
        Partner = self.env["res.partner"]
        field = Partner._fields["commercial_partner_id"]
        company = Partner.create({"name": "Parent Ltd", "is_company": True})
        kids = Partner.create([{"name": "Kid 1"}, {"name": "Kid 2", "parent_id": company.id}])
        kids[0].parent_id = kids[1]
        self.env.add_to_compute(field, kids)
        kids._crm_compute_recursive_once()
        self.assertTrue(self.env.is_to_compute(field, kids[0]), "left to Odoo")
        self.assertEqual(kids.mapped("commercial_partner_id"), company)
        # unrelated records are computed at once
        other = Partner.create([{"name": "Kid 3"}, {"name": "Kid 4"}])
        self.env.add_to_compute(field, other)
        other._crm_compute_recursive_once()
        self.assertFalse(self.env.is_to_compute(field, other[0]))
        self.assertEqual(other[0].commercial_partner_id, other[0])

    def test_batch_results_give_the_membership_numbers(self):
        """Each row of a batch gives the customer's membership number: the
        one a new customer was given, none, or the one an updated customer
        holds (read from the database)."""
        known = self.env["res.partner"].create(
            {
                "name": "Known Member",
                "email": "known.member@example.com",
                "is_retail_customer": True,
            }
        )
        known.action_enrol()
        result = self.Api.customer_upsert_batch(
            [
                {"name": "New Member", "membership_number": "API-NEW-1"},
                {"name": "New Guest", "email": "new.guest@example.com"},
                {"email": "known.member@example.com", "channel": "online"},
            ]
        )
        rows = result["results"]
        self.assertEqual([r["created"] for r in rows], [True, True, False])
        self.assertEqual(
            [r["membership_number"] for r in rows], ["API-NEW-1", False, known.membership_number]
        )
        self.assertTrue(known.membership_number)

    def test_batch_creation_skips_work_that_changes_nothing(self):
        """What a batch leaves out or computes once still reads as Odoo's
        create would store it, and an image given is still resized."""
        Partner = self.env["res.partner"]
        Model, vals_list = self.Api._batch_create_values(
            Partner, [{"name": "No Image"}, {"name": "Image", "image_1920": PIXEL_PNG}]
        )
        shared = vals_list[0]
        self.assertNotIn("category_id", shared, "an empty set of tags is no default to give")
        fallback = Model.env.context["crm_fallback_fields"]
        self.assertIn("property_account_receivable_id", fallback)
        self.assertNotIn("property_account_receivable_id", shared)
        once = [name for name, field in Partner._fields.items() if self.Api._computed_once(field)]
        self.assertTrue(once)
        for name in once:
            self.assertIn(name, shared, "an editable computed field is given, computed once")
        plain = Partner.create({"name": "Plain"})
        without, with_image = Model.create(vals_list)
        # read in the same transaction: the company's fallback, not an empty cache
        self.assertTrue(without.property_account_receivable_id)
        self.assertEqual(
            without.property_account_receivable_id, plain.property_account_receivable_id
        )
        for field in Partner._crm_resized_image_fields():
            self.assertFalse(self.env.is_to_compute(field, without), field.name)
            self.assertFalse(without[field.name], field.name)
            self.assertTrue(with_image[field.name], field.name)

    def test_bad_input_gets_clear_errors(self):
        for bad in (
            "not a dict",
            {"name": "No identity"},
            {"email": "a@example.com", "shoe_size": 42},
            {"email": "a@example.com", "birthday_month": "May"},
            {"email": "a@example.com", "birthday_day": 31, "birthday_month": 2},
            {"email": "a@example.com", "last_online_visit": "yesterday"},
            {"email": "a@example.com", "name": "nul\x00byte"},
        ):
            with self.subTest(bad=bad), self.assertRaises(ValidationError):
                self.Api.customer_upsert(bad)
        with self.assertRaises(ValidationError):
            self.Api.customer_upsert_batch("nope")
        with self.assertRaises(ValidationError):
            self.Api.customer_upsert_batch([], mode="sometimes")

    def test_injection_strings_are_stored_as_text(self):
        name = "Robert'); DROP TABLE res_partner;-- <script>alert(1)</script> 陳"
        result = self.Api.customer_upsert({"name": name, "email": "bobby@example.com"})
        self.assertEqual(self.env["res.partner"].browse(result["id"]).name, name)

    def test_idempotency_key_replays_the_first_response(self):
        payload = [{"name": "Idem", "email": "idem@example.com"}]
        first = self.Api.customer_upsert_batch(payload, idempotency_key="key-000001")
        second = self.Api.customer_upsert_batch(payload, idempotency_key="key-000001")
        self.assertEqual(first, second)
        self.assertEqual(
            self.env["res.partner"].search_count([("email", "=", "idem@example.com")]), 1
        )
        with self.assertRaises(ValidationError):
            self.Api.customer_upsert_batch(
                [{"email": "other@example.com"}], idempotency_key="key-000001"
            )
        with self.assertRaises(ValidationError):
            self.Api.customer_upsert_batch(payload, idempotency_key="short")

    def test_orders_are_recorded_once_per_external_ref(self):
        self.product.default_code = "RING-18K"
        customer = self.Api.customer_upsert({"name": "Buyer", "email": "buyer@example.com"})
        order = {
            "external_ref": "WEB-1001",
            "customer": {"email": "buyer@example.com"},
            "lines": [{"product": "RING-18K", "qty": 2, "price_unit": 4800}],
            "confirm": True,
        }
        first = self.Api.order_record(order)
        second = self.Api.order_record(order)
        self.assertTrue(first["created"])
        self.assertFalse(second["created"])
        self.assertEqual(first["id"], second["id"])
        sale = self.env["sale.order"].browse(first["id"])
        self.assertEqual(sale.partner_id.id, customer["id"])
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.amount_untaxed, 9600)
        events = self.env["crm.sales.event"].search([("order_id", "=", sale.id)])
        self.assertEqual(events.mapped("event_type"), ["order_confirmed"])
        for bad_line in (
            {"product": "NOPE"},
            {"product": "RING-18K", "qty": -1},
            {"product": "RING-18K", "discount": 150},
        ):
            with self.subTest(line=bad_line), self.assertRaises(ValidationError):
                self.Api.order_record(dict(order, external_ref="WEB-BAD", lines=[bad_line]))

    def test_online_activity_updates_last_visit(self):
        customer = self.Api.customer_upsert({"name": "Surfer", "email": "surf@example.com"})
        self.Api.online_activity_record(
            [
                {"customer": customer["id"], "kind": "visit", "date": "2026-01-05T10:00:00Z"},
                {
                    "customer": {"email": "surf@example.com"},
                    "kind": "cart",
                    "date": "2026-01-06T11:30:00+08:00",
                    "detail": "Jade bangle",
                },
            ]
        )
        partner = self.env["res.partner"].browse(customer["id"])
        self.assertEqual(str(partner.last_online_visit), "2026-01-06 03:30:00")
        with self.assertRaises(ValidationError):
            self.Api.online_activity_record([{"customer": customer["id"], "kind": "hack"}])

    def test_consent_and_summary(self):
        pics = self.env["crm.privacy.pics"].create(
            {"name": "PICS", "version": "API-1", "text_en": "<p>n</p>", "text_zh": "<p>聲明</p>"}
        )
        pics.action_activate()
        customer = self.Api.customer_upsert(
            {"name": "Consenter", "email": "c@example.com", "branch": "TA"}
        )
        self.Api.consent_record(
            [
                {
                    "customer": customer["id"],
                    "purpose": "promotions",
                    "channel": "email",
                    "source": "web",
                }
            ]
        )
        partner = self.env["res.partner"].browse(customer["id"])
        self.assertTrue(partner._crm_has_marketing_consent("promotions", "email"))
        self.Api.consent_record(
            {"customer": customer["id"], "channel": "email", "kind": "opt_out", "source": "web"}
        )
        self.assertFalse(partner._crm_has_marketing_consent("promotions", "email"))
        summary = self.Api.customer_summary(customer["id"])
        self.assertEqual(summary["profile"]["name"], "Consenter")
        self.assertTrue(summary["consents"])
        with self.assertRaises(UserError):
            self.Api.consent_record([{"customer": customer["id"], "channel": "pigeon"}])

    def _queries(self, func):
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        func()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_batches_resolve_their_customers_together(self):
        """The customers of a batch of activities or consents are looked up
        together: a batch of 40 costs the queries of a batch of 4."""
        pics = self.env["crm.privacy.pics"].create(
            {"name": "PICS", "version": "API-Q", "text_en": "<p>n</p>", "text_zh": "<p>聲明</p>"}
        )
        pics.action_activate()
        batch = self.Api.customer_upsert_batch(
            [{"name": f"Batch {i}", "email": f"batch{i}@example.com"} for i in range(40)]
        )
        ids = [row["id"] for row in batch["results"]]

        def activities(count):
            return [
                {"customer": {"email": f"batch{i}@example.com"}, "kind": "visit"}
                if i % 2
                else {"customer": ids[i], "kind": "visit"}
                for i in range(count)
            ]

        def consents(count):
            return [
                {"customer": {"email": f"batch{i}@example.com"}, "purpose": "promotions"}
                | {"channel": "email", "kind": "opt_out" if i % 2 else "opt_in"}
                for i in range(count)
            ]

        for record, make in (
            (self.Api.online_activity_record, activities),
            (self.Api.consent_record, consents),
        ):
            with self.subTest(method=record.__name__):
                small = self._queries(lambda record=record, make=make: record(make(4)))
                large = self._queries(lambda record=record, make=make: record(make(40)))
                self.assertLessEqual(large, small + 2)
        with self.assertRaises(ValidationError):
            self.Api.online_activity_record(
                [{"customer": ids[0], "kind": "visit"}, {"customer": 999999999, "kind": "visit"}]
            )
        with self.assertRaises(ValidationError):
            self.Api.consent_record([{"customer": ["not", "a", "customer"], "channel": "email"}])

    def test_integration_user_rights_are_minimal(self):
        with self.assertRaises(AccessError):
            self.env["crm.privacy.request"].with_user(self.integration).search([])
        with self.assertRaises(AccessError):
            self.env["crm.retail.branch"].with_user(self.integration).create(
                {"code": "X", "name": "X"}
            )
        fields = self.env["res.partner"].with_user(self.integration).fields_get()
        self.assertNotIn("hkid_number", fields)

    def test_integration_user_limited_to_branches(self):
        self.integration.write({"retail_branch_ids": [(6, 0, self.branch_a.ids)]})
        self.assertTrue(self.integration.retail_branch_scoped)
        with self.assertRaises(AccessError):
            self.Api.customer_summary(self.cust_b.id)
        self.assertEqual(self.Api.customer_summary(self.cust_a.id)["id"], self.cust_a.id)

    def test_users_without_retail_role_are_refused(self):
        with self.assertRaises(AccessError):
            self.env["crm.retail.api"].with_user(self.internal).customer_upsert(
                {"email": "x@example.com"}
            )

    def test_customer_summaries_are_charged_to_the_export_budget(self):
        """A summary takes a customer's personal data out: each one is logged
        and counted, and past the caller's budget the call is refused."""
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_privacy_pdpo.export_approval_limit", "2"
        )
        customers = [
            self.Api.customer_upsert({"name": f"Budget {i}", "phone": f"+852 9100 000{i}"})["id"]
            for i in range(3)
        ]
        self.Api.customer_summary(customers[0])
        self.Api.customer_summary(customers[1])
        with self.assertRaisesRegex(UserError, "0 are left"):
            self.Api.customer_summary(customers[2])
        logs = self.env["crm.privacy.export.log"].search(
            [("user_id", "=", self.integration.id), ("kind", "=", "api")]
        )
        self.assertEqual(sorted(logs.mapped("record_count")), [1, 1])
        # a system with a larger daily volume gets its own budget
        self.integration.crm_export_budget = 10
        self.assertEqual(self.Api.customer_summary(customers[2])["id"], customers[2])

    def test_a_large_batch_holds_a_bounded_number_of_locks(self):
        """A batch locks its customers' identities in buckets: 1,000
        customers (2,000 keys) take at most LOCK_BUCKETS advisory locks, so
        a few concurrent batches cannot fill PostgreSQL's shared lock table
        (64 slots per connection by default)."""
        batch = [
            {
                "name": f"Lock {i}",
                "phone": f"+852 9{1234000 + i:07d}",
                "email": f"lock.{i}@example.com",
                "channel": "online",
            }
            for i in range(1000)
        ]
        out = self.Api.customer_upsert_batch(batch)
        self.assertEqual(len(out["results"]), 1000)
        self.env.cr.execute(
            SQL(
                """SELECT COUNT(*) FROM pg_locks
                    WHERE locktype = 'advisory' AND pid = pg_backend_pid()
                      AND classid = %s AND objsubid = 2""",
                crm_retail_api.LOCK_SPACE,
            )
        )
        held = self.env.cr.fetchone()[0]
        self.assertGreater(held, 0)
        self.assertLessEqual(held, crm_retail_api.LOCK_BUCKETS)
