"""An access request lists what the suite learnt of the customer through the
new channels (issue 17): online activity, the preferences derived from it,
and the campaign messages they received (linked by crm_partner_id)."""

from odoo import fields
from odoo.tests import tagged

from .common import RetailCommon


@tagged("post_install", "-at_install")
class TestAccessRequestChannels(RetailCommon):
    def test_snapshot_lists_online_behaviour_and_campaigns(self):
        customer = self.cust_a
        customer.email = "snapshot.channels@example.com"
        product = self.env["product.product"].create({"name": "Jade bangle snapshot"})
        self.env["crm.online.activity"].create(
            [
                {
                    "partner_id": customer.id,
                    "activity_date": fields.Datetime.now(),
                    "kind": "product_view",
                    "product_id": product.id,
                    "detail": "jade bangle",
                },
                {
                    "partner_id": self.cust_b.id,
                    "activity_date": fields.Datetime.now(),
                    "kind": "search",
                    "detail": "someone else's search",
                },
            ]
        )
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Snapshot campaign",
                "mailing_type": "mail",
                "mailing_model_id": self.env["ir.model"]._get("res.partner").id,
                "body_html": "<p>Offer</p>",
            }
        )
        self.env["mailing.trace"].create(
            {
                "mass_mailing_id": mailing.id,
                "trace_type": "mail",
                "model": "res.partner",
                "res_id": customer.id,
                "email": customer.email,
            }
        )
        request = self.env["crm.privacy.request"].create(
            {
                "partner_id": customer.id,
                "requester_name": customer.name,
                "request_type": "access",
                "received_date": fields.Date.today(),
            }
        )
        data = request._collect_personal_data()
        activity = data["crm.online.activity"]
        self.assertEqual(len(activity["records"]), 1, "only the subject's own activity")
        self.assertEqual(activity["records"][0]["detail"], "jade bangle")
        self.assertEqual(activity["records"][0]["product_id"], product.display_name)
        traces = data["mailing.trace"]["records"]
        self.assertEqual([t["email"] for t in traces], ["snapshot.channels@example.com"])
