import os
from datetime import datetime
from unittest.mock import patch

from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import translate
from odoo.tools.misc import file_open_temporary_directory

from odoo.addons.crm_privacy_pdpo.models import ir_module_module

FAKE_ZH_TW = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

#. module: crm_privacy_pdpo
#: model:ir.ui.menu,name:crm_privacy_pdpo.crm_privacy_pics_menu
msgid "Collection Notices"
msgstr "蒐集聲明（台灣）"

#. module: crm_privacy_pdpo
#: code:addons/crm_privacy_pdpo/models/fake.py:0
msgid "Only in the fallback"
msgstr "只在台灣檔"
"""


@tagged("post_install", "-at_install")
class TestZhHkTranslations(TransactionCase):
    """zh_HK reads Odoo's zh_TW underneath the suite's own zh_HK."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_HK")
        cls.env["ir.module.module"]._load_module_terms(
            ["base", "web", "contacts", "crm", "crm_privacy_pdpo"], ["zh_HK"]
        )
        cls.user = new_test_user(cls.env, login="zh.hk.user", groups="base.group_user")
        cls.user.lang = "zh_HK"
        cls.user_env = cls.env(user=cls.user, context=cls.user.with_user(cls.user).context_get())

    def test_core_terms_in_traditional_chinese(self):
        stage = self.env.ref("crm.stage_lead1").with_env(self.user_env)
        self.assertEqual(stage.name, "新潛在客戶")
        menu = self.env.ref("contacts.menu_contacts").with_env(self.user_env)
        self.assertEqual(menu.name, "聯絡人")
        self.assertEqual(self.env.ref("crm.stage_lead1").with_context(lang="en_US").name, "New")

    def test_core_code_strings(self):
        messages = translate.code_translations.get_web_translations("web", "zh_HK")["messages"]
        self.assertIn({"id": "New", "string": "新增"}, [dict(m) for m in messages])
        python = translate.code_translations.get_python_translations("base", "zh_HK")
        self.assertTrue(python, "base's Python strings must come from zh_TW")
        # English stays English
        self.assertFalse(translate.code_translations.get_python_translations("base", "en_US"))

    def test_suite_terms_loaded(self):
        menu = self.env.ref("crm_privacy_pdpo.menu_retail_crm_privacy").with_env(self.user_env)
        self.assertEqual(menu.name, "私隱")

    def _fake_fallback(self):
        """A zh_TW catalogue for the suite module, translating differently."""
        tmp_dir = self.enterContext(file_open_temporary_directory(self.env))
        path = os.path.join(tmp_dir, "zh_TW.po")
        with open(path, "w", encoding="utf-8") as po:
            po.write(FAKE_ZH_TW)
        original = translate.get_po_paths

        def get_po_paths(module_name, lang, env=None):
            if module_name == "crm_privacy_pdpo" and lang == "zh_TW":
                yield path
            else:
                yield from original(module_name, lang, env=env)

        return get_po_paths

    def test_suite_translation_wins_over_fallback(self):
        get_po_paths = self._fake_fallback()
        menu = self.env.ref("crm_privacy_pdpo.crm_privacy_pics_menu")
        module = self.env["ir.module.module"]
        with patch.object(ir_module_module, "get_po_paths", get_po_paths):
            for overwrite in (False, True):
                module._load_module_terms(["crm_privacy_pdpo"], ["zh_HK"], overwrite=overwrite)
                menu.invalidate_recordset(["name"])
                self.assertEqual(menu.with_context(lang="zh_HK").name, "收集個人資料聲明")

    def test_code_strings_fallback_underneath(self):
        get_po_paths = self._fake_fallback()
        own = translate.CodeTranslations._get_code_translations(
            "crm_privacy_pdpo", "zh_HK", lambda row: True
        )
        self.assertTrue(own, "the suite's own zh_HK.po has code strings")
        msgid, value = next(iter(own.items()))
        fake = (
            FAKE_ZH_TW
            + "\n#. module: crm_privacy_pdpo\n#: code:addons/x.py:0\n"
            + f'msgid "{msgid}"\nmsgstr "台灣"\n'
        )
        with open(next(get_po_paths("crm_privacy_pdpo", "zh_TW")), "w", encoding="utf-8") as po:
            po.write(fake)

        def file_open(path, mode="r", **kwargs):
            return open(path, mode)

        with (
            patch.object(translate, "get_po_paths", get_po_paths),
            patch.object(translate, "file_open", file_open),
        ):
            strings = translate.CodeTranslations._get_code_translations(
                "crm_privacy_pdpo", "zh_HK", lambda row: True
            )
        self.assertEqual(strings["Only in the fallback"], "只在台灣檔")
        self.assertEqual(strings[msgid], value, "the suite's own translation wins")

    def test_fallback_fills_missing_terms(self):
        menu = self.env.ref("crm_privacy_pdpo.crm_privacy_pics_menu")
        # an untranslated suite term is filled from the fallback, not kept English
        self.env.cr.execute("UPDATE ir_ui_menu SET name = name - 'zh_HK' WHERE id = %s", [menu.id])
        menu.invalidate_recordset(["name"])
        with patch.object(ir_module_module, "get_po_paths", self._fake_fallback()):
            self.env["ir.module.module"]._crm_load_fallback_terms(
                ["crm_privacy_pdpo"], ["zh_HK"], False
            )
        menu.invalidate_recordset(["name"])
        self.assertEqual(menu.with_context(lang="zh_HK").name, "蒐集聲明（台灣）")

    def test_hong_kong_date_time_formats(self):
        lang = self.env["res.lang"]._lang_get("zh_HK")
        self.assertEqual(lang.time_format, "%H:%M:%S")
        self.assertEqual(lang.short_time_format, "%H:%M")
        moment = datetime(2026, 12, 5, 19, 10, 10)
        self.assertEqual(
            moment.strftime(f"{lang.date_format} {lang.time_format}"), "2026年12月05日 19:10:10"
        )
        # activating again (Settings > Languages) keeps them, even after a reset
        lang.write({"time_format": "%I時%M分%S秒"})
        lang.write({"active": True})
        self.assertEqual(lang.time_format, "%H:%M:%S")
