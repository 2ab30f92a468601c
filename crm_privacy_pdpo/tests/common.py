from odoo.tests import TransactionCase, new_test_user


class PrivacyCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.officer = new_test_user(
            cls.env,
            login="pdpo_officer",
            groups="base.group_user,crm_privacy_pdpo.group_privacy_officer,"
            "base.group_partner_manager",
        )
        cls.retail_user = new_test_user(
            cls.env,
            login="pdpo_retail",
            groups="base.group_user,crm_privacy_pdpo.group_retail_user,"
            "base.group_partner_manager,base.group_allow_export",
        )
        cls.pics = cls.env["crm.privacy.pics"].create(
            {
                "name": "PICS test",
                "version": "test-1",
                "text_en": "<p>English notice</p>",
                "text_zh": "<p>中文聲明</p>",
            }
        )
        cls.pics.action_activate()
        cls.purpose_promo = cls.env.ref("crm_privacy_pdpo.purpose_promotions")
        cls.purpose_events = cls.env.ref("crm_privacy_pdpo.purpose_events")
        Partner = cls.env["res.partner"]
        cls.cust_yes = Partner.create(
            {
                "name": "Consenting Customer",
                "email": "yes@example.com",
                "mobile": "+85291234567",
            }
        )
        cls.cust_no = Partner.create(
            {
                "name": "Silent Customer",
                "email": "no@example.com",
                "mobile": "+85291234568",
            }
        )
        cls.cust_out = Partner.create(
            {
                "name": "Withdrawn Customer",
                "email": "out@example.com",
                "mobile": "+85291234569",
            }
        )

    @classmethod
    def _consent(cls, partner, purpose, channel, kind="opt_in", **kw):
        vals = {
            "partner_id": partner.id,
            "purpose_id": purpose.id if purpose else False,
            "channel": channel,
            "kind": kind,
            "pics_id": cls.pics.id,
            "use": kw.pop("use", "own_use"),
        }
        vals.update(kw)
        return cls.env["crm.privacy.consent"].create(vals)
