"""Traditional Chinese (Hong Kong) on top of Odoo's Traditional Chinese (Taiwan).

Odoo ships zh_TW and zh_CN catalogues but no zh_HK, and looks for a zh_HK
user's strings in ``zh.po`` then ``zh_HK.po`` only: every core string would
stay English. For zh_HK, each module's installed ``zh_TW.po`` is read at run
time (never copied into this repository) underneath the module's own
``zh_HK.po``: the suite's translations win wherever both exist.

* Database strings (menus, views, fields, selections, records):
  ``_load_module_terms``, used by ``--load-language``, Settings > Translations
  (Load / Update terms) and every module install or upgrade.
* Code strings (Python ``_()`` and the web client): Odoo reads them from the
  files through ``CodeTranslations._get_code_translations``, which has no
  model to inherit: it is wrapped once per process when this add-on's code
  is imported (at import rather than in a manifest ``post_load`` hook, which
  Odoo skips when the add-on was imported before the registry, as pytest-odoo
  does). Languages without a fallback are left untouched.
"""

import logging

from odoo import api, models
from odoo.modules.module import get_module_path
from odoo.tools import translate
from odoo.tools.translate import TranslationImporter, get_po_paths

_logger = logging.getLogger(__name__)

# language -> Odoo catalogue read underneath it
FALLBACK_LANGS = {"zh_HK": "zh_TW"}
# languages whose fallback terms were filled for all installed modules
SETUP_PARAM = "crm_privacy_pdpo.fallback_langs_set_up"


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False, imported_module=False):
        fallback_langs = [lang for lang in langs if lang in FALLBACK_LANGS]
        if not fallback_langs:
            return super()._load_module_terms(
                modules, langs, overwrite=overwrite, imported_module=imported_module
            )
        if overwrite:
            # overwrite: the fallback first, then the modules' own files on top
            self._crm_load_fallback_terms(modules, fallback_langs, True, imported_module)
            res = super()._load_module_terms(
                modules, langs, overwrite=True, imported_module=imported_module
            )
        else:
            # keep what exists (the modules' own files, users' edits); the
            # fallback only fills terms that nothing translated yet
            res = super()._load_module_terms(
                modules, langs, overwrite=False, imported_module=imported_module
            )
            self._crm_load_fallback_terms(modules, fallback_langs, False, imported_module)
        return res

    @api.model
    def _crm_load_fallback_terms(self, modules, langs, overwrite, imported_module=False):
        """Load each module's fallback catalogue (e.g. zh_TW.po) as ``langs``."""
        importer = TranslationImporter(self.env.cr, verbose=False)
        env = self.env if imported_module else None
        for module_name in modules:
            if not get_module_path(module_name, downloaded=imported_module):
                continue
            for lang in langs:
                for po_path in get_po_paths(module_name, FALLBACK_LANGS[lang], env=env):
                    _logger.debug(
                        "module %s: loading %s for language %s", module_name, po_path, lang
                    )
                    importer.load_file(po_path, lang)
        importer.save(overwrite=overwrite)

    def _register_hook(self):
        super()._register_hook()
        self._crm_setup_fallback_langs()

    @api.model
    def _crm_setup_fallback_langs(self):
        """Fill the fallback terms of every installed module, once per language.

        ``--load-language`` and the modules installed before this one load
        their terms while this code is not loaded yet: a zh_HK user would see
        them in English. At the end of each registry load, a language with a
        fallback that is active and not yet set up gets Odoo's zh_TW terms
        (only where nothing is translated) and its local formats.
        """
        langs = [
            code for code, _name in self.env["res.lang"].get_installed() if code in FALLBACK_LANGS
        ]
        params = self.env["ir.config_parameter"].sudo()
        done = set(filter(None, (params.get_param(SETUP_PARAM) or "").split(",")))
        todo = [lang for lang in langs if lang not in done]
        if not todo:
            return
        modules = self.search([("state", "=", "installed")]).mapped("name")
        _logger.info("loading the fallback terms of %s modules for %s", len(modules), todo)
        self._crm_load_fallback_terms(modules, todo, False)
        self.env["res.lang"].search([("code", "in", todo)])._crm_apply_local_formats()
        params.set_param(SETUP_PARAM, ",".join(sorted(done | set(todo))))


def patch_code_translations():
    """Read code translations of a fallback language underneath its own."""
    original = translate.CodeTranslations._get_code_translations
    if getattr(original, "crm_fallback", False):
        return

    def _get_code_translations(module_name, lang, filter_func):
        fallback = FALLBACK_LANGS.get(lang)
        if not fallback:
            return original(module_name, lang, filter_func)
        translations = original(module_name, fallback, filter_func)
        translations.update(original(module_name, lang, filter_func))
        return translations

    _get_code_translations.crm_fallback = True
    translate.CodeTranslations._get_code_translations = staticmethod(_get_code_translations)


patch_code_translations()
