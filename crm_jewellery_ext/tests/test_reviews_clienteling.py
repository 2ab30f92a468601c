import datetime

from odoo.tests import tagged

from .common import JewelleryCommon


@tagged("post_install", "-at_install")
class TestReviewsClienteling(JewelleryCommon):
    def test_review_requests_need_consent(self):
        self.cust_a.preferred_contact_channel = "email"
        self.cust_b.preferred_contact_channel = "sms"
        self.consent(self.cust_a, "product_review", "email")
        # cust_b consented by email but prefers SMS: no request
        self.consent(self.cust_b, "product_review", "email")
        Review = self.env["crm.jewellery.review"]
        reviews = Review._request_reviews(
            [
                {"partner_id": p.id, "product_id": self.product.id, "source": "delivery"}
                for p in (self.cust_a, self.cust_a2, self.cust_b)
            ]
        )
        self.assertEqual(reviews.partner_id, self.cust_a)
        self.assertEqual(len(self.customer_messages(reviews, self.cust_a)), 1)
        self.assertFalse(self.sms_to(self.cust_b))

    def test_delivery_triggers_review_request(self):
        self.consent(self.cust_a, "product_review", "email")
        self.order_a_own.action_confirm()
        picking = self.order_a_own.picking_ids
        picking.move_ids.quantity = 1
        picking.button_validate()
        review = self.env["crm.jewellery.review"].search(
            [("sale_order_id", "=", self.order_a_own.id)]
        )
        self.assertEqual(review.partner_id, self.cust_a)
        self.assertEqual(review.retail_branch_id, self.branch_a)

    def test_low_rating_follow_up(self):
        self.consent(self.cust_a, "product_review", "email")
        review = self.env["crm.jewellery.review"]._request_reviews(
            [
                {
                    "partner_id": self.cust_a.id,
                    "product_id": self.product.id,
                    "retail_branch_id": self.branch_a.id,
                }
            ]
        )
        token = review.sudo().access_token
        review._submit_with_token(token, "2", "Scratched")
        self.assertEqual(review.state, "received")
        self.assertTrue(review.low_rating)
        self.assertEqual(review.activity_ids.user_id, self.manager_a)

    def test_reviews_dataset_registered(self):
        from odoo.addons.crm_retail_compile.lib.report_engine import BASE_DATASETS

        from ..lib.datasets import REVIEWS

        # bound to this database's registry, not added to the engine's globals
        datasets = self.env["crm.report.template"]._get_datasets()
        self.assertIs(datasets["reviews"], REVIEWS)
        self.assertEqual(set(datasets), set(BASE_DATASETS) | {"reviews"})
        self.assertNotIn("reviews", BASE_DATASETS)
        selection = self.env["crm.report.template"]._fields["dataset"].get_values(self.env)
        self.assertEqual(set(selection), set(datasets))
        template = self.env.ref("crm_jewellery_ext.crm_report_template_service_reviews")
        self.assertEqual(template.dataset, "reviews")

    def test_clienteling_needs_consent_and_runs_once(self):
        today = datetime.date(2030, 5, 1)
        for partner in (self.cust_a, self.cust_a2):
            partner.write({"birthday_day": 5, "birthday_month": 5, "user_id": self.staff_a.id})
        self.consent(self.cust_a, "birthday", "email")
        self.env["crm.jewellery.anniversary"].create(
            {"partner_id": self.cust_a.id, "date": "2020-05-10", "reminder_days": 14}
        )
        Log = self.env["crm.jewellery.clienteling.log"]
        logs = Log._run(today)
        self.assertEqual(sorted(logs.mapped("occasion")), ["anniversary", "birthday"])
        self.assertEqual(logs.partner_id, self.cust_a)
        self.assertEqual(logs.activity_id.user_id, self.staff_a)
        self.assertFalse(Log._run(today + datetime.timedelta(days=1)))

    def test_wish_back_in_stock(self):
        product = self.env["product.product"].create(
            {"name": "Pearl Necklace", "is_storable": True}
        )
        wish_a = self.env["crm.jewellery.wish"].create(
            {"partner_id": self.cust_a.id, "product_id": product.id}
        )
        self.env["crm.jewellery.wish"].create(
            {"partner_id": self.cust_a2.id, "product_id": product.id}
        )
        (self.cust_a | self.cust_a2).write({"user_id": self.staff_a.id})
        self.consent(self.cust_a, "clienteling", "email")
        self.assertFalse(wish_a.in_stock)
        stock = self.env.ref("stock.stock_location_stock")
        self.env["stock.quant"]._update_available_quantity(product, stock, 2)
        logs = self.env["crm.jewellery.clienteling.log"]._run(datetime.date(2030, 5, 1))
        logs = logs.filtered(lambda g: g.occasion == "wish_in_stock")
        self.assertEqual(logs.partner_id, self.cust_a)
        self.assertTrue(wish_a.in_stock)
