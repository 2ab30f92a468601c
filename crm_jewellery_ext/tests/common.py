from odoo.addons.crm_retail_compile.tests.common import RetailCommon


class JewelleryCommon(RetailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cust_a.write(
            {"email": "a@example.com", "mobile": "+852 9123 4567", "preferred_language": "en"}
        )
        cls.cust_b.write(
            {"email": "b@example.com", "mobile": "+852 6123 9876", "preferred_language": "zh_HK"}
        )
        cls.branch_a.write({"manager_id": cls.manager_a.id})

    def consent(self, partner, purpose_code, channel="email"):
        purpose = self.env["crm.privacy.marketing.purpose"].search(
            [("code", "=", purpose_code)], limit=1
        )
        return self.env["crm.privacy.consent"].create(
            {
                "partner_id": partner.id,
                "purpose_id": purpose.id,
                "channel": channel,
                "kind": "opt_in",
                "grandfathered": True,
            }
        )

    def customer_messages(self, record, partner):
        return self.env["mail.message"].search(
            [
                ("model", "=", record._name),
                ("res_id", "=", record.id),
                ("partner_ids", "in", partner.ids),
            ]
        )

    def sms_to(self, partner):
        return self.env["sms.sms"].search([("partner_id", "=", partner.id)])
