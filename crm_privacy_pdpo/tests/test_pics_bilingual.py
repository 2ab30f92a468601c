"""The collection notice in both languages, the request reminder's text."""

from datetime import date, timedelta

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from ..models import pdpo_rules
from .common import PrivacyCommon

ZH = {
    "name": "收集個人資料聲明",
    "purposes": "處理購物及維修。",
    "transferee_classes": "集團公司。",
    "rights_contact": "請致函保障資料主任。",
}


@tagged("post_install", "-at_install")
class TestPicsBilingual(PrivacyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_HK")
        cls.pics = cls.env["crm.privacy.pics"].create(
            {
                "name": "Collection Statement",
                "version": "bilingual-1",
                "text_en": "<p>Notice</p>",
                "text_zh": "<p>通知</p>",
                "purposes": "Purchases and repairs.",
                "transferee_classes": "Group companies.",
                "rights_contact": "Write to our Data Protection Officer.",
            }
        )
        cls.env["ir.model.data"].create(
            {
                "module": "crm_privacy_pdpo",
                "name": "test_pics_bilingual",
                "model": cls.pics._name,
                "res_id": cls.pics.id,
            }
        )
        cls.pics._crm_load_translations(
            "crm_privacy_pdpo.test_pics_bilingual", {"zh_HK": ZH, "xx_XX": {"name": "?"}}
        )

    def test_names_and_sections_translated(self):
        zh = self.pics.with_context(lang="zh_HK")
        for fname, value in ZH.items():
            self.assertEqual(zh[fname], value, fname)
        self.assertEqual(self.pics.with_context(lang="en_US").name, "Collection Statement")

    def test_default_draft_has_chinese(self):
        """The data file gives the shipped draft its Chinese version (when
        zh_HK is installed at install time)."""
        draft = self.env.ref("crm_privacy_pdpo.pics_default_draft")
        for fname in ("name", "purposes", "transferee_classes", "rights_contact"):
            self.assertTrue(draft._fields[fname].translate, fname)

    def test_published_translations_are_frozen(self):
        self.pics.action_activate()
        with self.assertRaises(UserError):
            self.pics.update_field_translations("purposes", {"zh_HK": "改了"})

    def test_reminder_text_agrees_with_its_date(self):
        request = self.env["crm.privacy.request"].create(
            {
                "partner_id": self.cust_yes.id,
                "requester_name": "Consenting Customer",
                "request_type": "access",
                "received_date": "2024-01-01",
            }
        )
        activity = request.activity_ids
        self.assertEqual(
            activity.date_deadline, date(2024, 1, 1) + timedelta(pdpo_rules.REMINDER_DAYS)
        )
        left = pdpo_rules.STATUTORY_DAYS - pdpo_rules.REMINDER_DAYS
        self.assertEqual(request.due_date - activity.date_deadline, timedelta(left))
        self.assertIn(f"{left} days left", activity.summary)
        self.assertIn(f"{pdpo_rules.STATUTORY_DAYS}-day", activity.summary)


@tagged("post_install", "-at_install")
class TestPublicNoticeBilingual(HttpCase):
    def test_public_notice_shows_every_section_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_HK")
        purpose = self.env["crm.privacy.marketing.purpose"].create(
            {"name": "Jewellery offers", "code": "test_bilingual_offers"}
        )
        purpose.update_field_translations("name", {"zh_HK": "珠寶優惠"})
        pics = self.env["crm.privacy.pics"].create(
            {
                "name": "Collection Statement",
                "version": "bilingual-http",
                "text_en": "<p>Notice</p>",
                "text_zh": "<p>通知</p>",
                "purposes": "Purchases and repairs.",
                "transferee_classes": "Group companies.",
                "rights_contact": "Write to our Data Protection Officer.",
                "marketing_purpose_ids": [(6, 0, purpose.ids)],
            }
        )
        for fname, value in ZH.items():
            pics.update_field_translations(fname, {"zh_HK": value})
        pics.action_activate()
        response = self.url_open("/privacy/notice")
        self.assertEqual(response.status_code, 200)
        html = response.text
        for fname in ("purposes", "transferee_classes", "rights_contact"):
            self.assertIn(ZH[fname], html, fname)
        for heading in ("收集目的", "資料轉移對象類別", "查閱及改正", "珠寶優惠"):
            self.assertIn(heading, html)
        for english in (
            "Purchases and repairs.",
            "Write to our Data Protection Officer.",
            "Jewellery offers",
        ):
            self.assertIn(english, html)
