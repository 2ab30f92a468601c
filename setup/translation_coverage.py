"""Share of translated strings on each demo role's main screens.

    .venv/bin/python setup/translation_coverage.py --db crm_retail [--lang zh_HK] [--verbose]

For each demo role, as that user: the menus it sees, the actions those menus
open and their views as the web client receives them (list, form, kanban,
search...: labels, buttons, filters, pages, placeholders, help texts, and the
strings of the fields they show), plus the web client's own controls (New,
Filters, Send message, Preferences...). Each string is rendered in English
and in the language; it counts as translated when the language's text
differs or holds no Latin word (numbers, symbols, codes such as HKID or
SMS). A string is the suite's when the suite's catalogues (the three
add-ons' .pot files) hold it for that kind of place (a view term, a menu, an
action, a field label, a code string); the rest are Odoo's (core), including
generic words both use. Goal: 100% for the suite, at least 95% for core.
Exits 1 when a goal is missed.
"""

import argparse
import os
import re
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = ("crm_privacy_pdpo", "crm_retail_compile", "crm_jewellery_ext")
ROLES = (
    "retail.admin",
    "privacy.officer",
    "manager.central",
    "staff.central",
    "analyst.marketing",
    "analyst.finance",
)
# attributes that the user reads
TEXT_ATTRS = ("string", "help", "placeholder", "title", "confirm", "sum", "avg")
# the web client's controls on every screen: (module, msgid)
WEB_CONTROLS = (
    ("web", "New"),
    ("web", "Save"),
    ("web", "Discard"),
    ("web", "Filters"),
    ("web", "Group By"),
    ("web", "Favorites"),
    ("web", "Search..."),
    ("web", "Actions"),
    ("web", "Export"),
    ("web", "Delete"),
    ("web", "Duplicate"),
    ("web", "Archive"),
    ("web", "Preferences"),
    ("web", "Log out"),
    ("mail", "Send message"),
    ("mail", "Log note"),
    ("mail", "Activities"),
)
# where a msgid occurs in a catalogue -> the kind of screen string it is
OCCURRENCE_KINDS = {
    "model_terms:ir.ui.view": "view",
    "model:ir.ui.menu": "menu",
    "model:ir.actions.act_window": "action",
    "model:ir.model.fields,field_description": "field",
    "code:": "code",
}
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CODE_WORD = re.compile(r"^[A-Z0-9&/().,:%+\- ]+$")  # HKID, SMS, PDPO, VIP, CSV...


def is_translated(en, other):
    if other != en:
        return True
    return not LATIN_WORD.search(en) or bool(CODE_WORD.match(en))


def suite_msgids():
    """{msgid: {kind}}: the suite's strings and where the suite uses them."""
    import polib

    msgids = defaultdict(set)
    for addon in ADDONS:
        pot = os.path.join(ROOT, addon, "i18n", f"{addon}.pot")
        if not os.path.exists(pot):
            continue
        for entry in polib.pofile(pot):
            for occurrence, _line in entry.occurrences:
                for prefix, kind in OCCURRENCE_KINDS.items():
                    if occurrence.startswith(prefix):
                        msgids[entry.msgid].add(kind)
    return msgids


def clean(text):
    return " ".join((text or "").split())


def arch_pairs(arch_en, arch_lang):
    """(English, translated) texts of two renderings of the same arch."""
    from lxml import etree

    tree_en, tree_lang = etree.fromstring(arch_en), etree.fromstring(arch_lang)
    for node_en, node_lang in zip(tree_en.iter(), tree_lang.iter(), strict=False):
        if node_en.tag != node_lang.tag or not isinstance(node_en.tag, str):
            continue
        if node_en.tag in ("list", "form", "search", "kanban", "sheet"):
            continue  # their string is not shown (Odoo's default views put the model's)
        if node_en.get("invisible") in ("1", "True") or node_en.tag in ("templates", "t"):
            continue
        for attr in TEXT_ATTRS:
            if node_en.get(attr) and LATIN_WORD.search(node_en.get(attr)):
                yield "view", clean(node_en.get(attr)), clean(node_lang.get(attr))
        for text_en, text_lang in ((node_en.text, node_lang.text), (node_en.tail, node_lang.tail)):
            if text_en and LATIN_WORD.search(text_en) and "{" not in text_en:
                yield "view", clean(text_en), clean(text_lang)


def view_field_names(arch):
    from lxml import etree

    for node in etree.fromstring(arch).iter("field"):
        if not node.get("string") and node.get("invisible") not in ("1", "True"):
            yield node.get("name")


def screen_strings(env_en, env_lang, user):
    """{(English, translated)} of the user's menus, actions and their views."""
    Menu = env_en["ir.ui.menu"].with_user(user)
    menu_ids = Menu._visible_menu_ids(debug=False)
    menus_en = env_en["ir.ui.menu"].browse(menu_ids)
    menus_lang = env_lang["ir.ui.menu"].browse(menu_ids)
    pairs = set()
    for menu_en, menu_lang in zip(menus_en, menus_lang, strict=True):
        pairs.add(("menu", menu_en.name, menu_lang.name))
    actions = {
        menu.action.id
        for menu in menus_en
        if menu.action and menu.action._name == "ir.actions.act_window"
    }
    skipped = 0
    for action_id in sorted(actions):
        action_en = env_en["ir.actions.act_window"].browse(action_id)
        action_lang = env_lang["ir.actions.act_window"].browse(action_id)
        pairs.add(("action", action_en.name, action_lang.name))
        model = action_en.res_model
        if model not in env_en or not env_en[model].with_user(user).has_access("read"):
            skipped += 1
            continue
        views = [[view.view_id.id, view.view_mode] for view in action_en.view_ids]
        modes = [mode for mode in (action_en.view_mode or "list,form").split(",")]
        known = {mode for _vid, mode in views}
        views += [[False, mode] for mode in modes if mode not in known]
        search = action_en.search_view_id.id or False
        views.append([search, "search"])
        views = [[vid, mode] for vid, mode in views if mode in ("list", "form", "kanban", "search")]
        try:
            result_en = env_en[model].with_user(user).get_views(views, {})
            result_lang = env_lang[model].with_user(user).get_views(views, {})
        except Exception:  # noqa: BLE001 - a view the role cannot open is not a screen
            skipped += 1
            continue
        for mode, view_en in result_en["views"].items():
            arch_en, arch_lang = view_en["arch"], result_lang["views"][mode]["arch"]
            pairs.update(arch_pairs(arch_en, arch_lang))
            fields_en = result_en["models"].get(model, {}).get("fields", {})
            fields_lang = result_lang["models"].get(model, {}).get("fields", {})
            for name in view_field_names(arch_en):
                if name in fields_en and fields_en[name].get("string"):
                    pairs.add(("field", fields_en[name]["string"], fields_lang[name]["string"]))
    return pairs, skipped


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--config", default=os.path.join(ROOT, ".odoo-effective.conf"))
    parser.add_argument("--lang", default="zh_HK")
    parser.add_argument("--verbose", action="store_true", help="list untranslated strings")
    args = parser.parse_args()

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools.translate import code_translations

    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    registry = Registry(args.db)
    suite = suite_msgids()
    web = [
        (
            "code",
            msgid,
            {
                m["id"]: m["string"]
                for m in code_translations.get_web_translations(module, args.lang)["messages"]
            }.get(msgid, msgid),
        )
        for module, msgid in WEB_CONTROLS
    ]
    ok = True
    print(f"Translated strings on each demo role's main screens ({args.lang}):")
    print(f"{'role':<20}{'suite':>18}{'core':>18}")
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if not env["res.lang"]._lang_get(args.lang).active:
            sys.exit(f"language {args.lang} is not active in {args.db}")
        env_en = env(context={"lang": "en_US"})
        env_lang = env(context={"lang": args.lang})
        missing = defaultdict(set)
        for login in ROLES:
            user = env["res.users"].search([("login", "=", login)])
            if not user:
                print(f"{login:<20}{'(no such user)':>18}")
                continue
            pairs, skipped = screen_strings(env_en, env_lang, user)
            pairs.update(web)
            counts = {"suite": [0, 0], "core": [0, 0]}
            for where, en, other in pairs:
                kind = "suite" if where in suite.get(en, ()) else "core"
                counts[kind][1] += 1
                if is_translated(en, other):
                    counts[kind][0] += 1
                else:
                    missing[kind].add(en)
            cells = []
            for kind, goal in (("suite", 100.0), ("core", 95.0)):
                done, total = counts[kind]
                share = 100.0 * done / total if total else 100.0
                ok = ok and share >= goal
                cells.append(f"{share:5.1f}% ({done}/{total})")
            note = f"  ({skipped} actions not opened)" if skipped else ""
            print(f"{login:<20}{cells[0]:>18}{cells[1]:>18}{note}")
        cr.rollback()
    if args.verbose:
        for kind in ("suite", "core"):
            print(f"\nUntranslated {kind} strings ({len(missing[kind])}):")
            for en in sorted(missing[kind]):
                print(f"  {en}")
    print("goals met (suite 100%, core >= 95%)" if ok else "goal missed (suite 100%, core >= 95%)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
