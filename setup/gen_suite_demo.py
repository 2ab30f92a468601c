#!/usr/bin/env python3
"""Load the suite's own demo data into a database installed without demo data.

``./setup/run.sh`` installs the three add-ons with ``--without-demo=all`` so
that none of Odoo's furniture demo (Deco Addict, Azure Interior, "Large
Cabinet" repairs, French quotations, ...) lands in the demo database.  Odoo
cannot install only some modules' demo: ``Package.should_have_demo()``
(``odoo/modules/graph.py``) loads a module's demo only when every module it
depends on has demo data (``all(p.dbdemo for p in self.parents)``), so
installing the dependencies without demo and the suite with demo gives no
demo at all.  This script then loads the ``demo`` files of the suite's
manifests the way ``odoo.modules.loading.load_demo`` does (``convert_file``,
mode ``init``, ``noupdate``, in dependency order, in one transaction) and
marks the three modules as installed with demo.

The suite's demo XML names two of Odoo's demo partners (``base.res_partner_12``
and ``base.res_partner_2``, used by the privacy demo for consents) and Odoo's
demo user (``base.user_demo``); here the partners are mapped to two Hong Kong
customers created for the purpose and the user to the administrator (through
the ``idref`` map of Odoo's XML loader), so the XML loads unchanged (the test
database, installed with all demo, keeps Odoo's records).

    .venv/bin/python setup/gen_suite_demo.py --db crm_retail [--config .odoo-effective.conf]
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULES = ["crm_privacy_pdpo", "crm_retail_compile", "crm_jewellery_ext"]

# Odoo demo records the suite's demo XML refers to -> the HK stand-in created here
STAND_INS = {
    "base.res_partner_12": {
        "name": "Lam Wing Sze 林詠詩",
        "phone": "+852 9123 4501",
        "email": "wingsze.lam@example.com",
        "city": "Hong Kong",
    },
    "base.res_partner_2": {
        "name": "Ho Ka Lok 何家樂",
        "phone": "+852 6123 4502",
        "email": "kalok.ho@example.com",
        "city": "Kowloon",
    },
}
STAND_IN_XMLID = "__import__.retail_gen_demo_{}"
# Odoo demo users the suite's demo XML names -> an existing record
ALIASES = {"base.user_demo": "base.user_admin"}


def demo_files(module):
    """The demo files of an add-on's manifest, in manifest order."""
    from odoo.modules.module import get_manifest

    manifest = get_manifest(module)
    return list(manifest.get("demo_xml", [])) + list(manifest.get("demo", []))


def suite_demo_loaded(env):
    """True when the suite's demo records already exist (installed with demo)."""
    return bool(env.ref("crm_retail_compile.branch_cen_demo", raise_if_not_found=False))


def stand_in_partners(env):
    """The HK customers standing in for Odoo's demo partners: {xmlid: id}."""
    hk = env.ref("base.hk", raise_if_not_found=False)
    result = {}
    for xmlid, vals in STAND_INS.items():
        own = STAND_IN_XMLID.format(xmlid.split(".")[1])
        partner = env.ref(own, raise_if_not_found=False)
        if not partner:
            partner = env["res.partner"].create(dict(vals, country_id=hk.id if hk else False))
            module, name = own.split(".")
            env["ir.model.data"].create(
                {
                    "module": module,
                    "name": name,
                    "model": "res.partner",
                    "res_id": partner.id,
                    "noupdate": True,
                }
            )
        result[xmlid] = partner.id
    return result


# The demo shop: a Hong Kong jeweller (the database manager's form only sets
# the country, so the company would be called "My Company")
DEMO_COMPANY = {
    "name": "Harbour Jewellery 港灣珠寶",
    "street": "88 Queen's Road Central",
    "city": "Hong Kong",
    "phone": "+852 2123 4567",
    "email": "hello@harbour-jewellery.example.com",
    "website": "https://harbour-jewellery.example.com",
}
# how Hong Kong shops write their currency (Odoo's HKD symbol is "$")
HKD_SYMBOL = "HK$"


def hong_kong_company(env):
    """Name the demo company and write Hong Kong dollars as HK$."""
    company = env.ref("base.main_company")
    if company.name in ("My Company", "YourCompany"):
        company.write(DEMO_COMPANY)
    hkd = env.ref("base.HKD", raise_if_not_found=False)
    if hkd and hkd.symbol == "$":
        hkd.symbol = HKD_SYMBOL


def load_suite_demo(env):
    """Load the suite's demo files; returns the number of files loaded (0 if already there)."""
    from odoo.tools import convert_file

    if suite_demo_loaded(env):
        return 0
    installed = env["ir.module.module"].search(
        [("name", "in", MODULES), ("state", "=", "installed")]
    )
    if len(installed) != len(MODULES):
        raise SystemExit(f"Install {', '.join(MODULES)} first.")
    idref = stand_in_partners(env)
    for xmlid, target in ALIASES.items():
        if not env.ref(xmlid, raise_if_not_found=False):
            idref[xmlid] = env.ref(target).id
    loaded = 0
    thread = threading.current_thread()
    testing = getattr(thread, "testing", False)
    thread.testing = True  # as load_data does for demo files (no mail is sent)
    try:
        for module in MODULES:
            for filename in demo_files(module):
                convert_file(env, module, filename, idref, mode="init", noupdate=True, kind="demo")
                loaded += 1
    finally:
        thread.testing = testing
    installed.write({"demo": True})
    hong_kong_company(env)
    env.flush_all()
    return loaded


def top_up_suite_demo(env):
    """On a database whose suite demo is already loaded: create the demo
    records added since (e.g. a member for every department, issue 16),
    the way ``-u`` updates demo data: existing records are left as they are
    (``noupdate``) and ``<function>`` tags are not run again. Returns the
    number of records created."""
    from odoo.tools import convert_file

    if not suite_demo_loaded(env):
        return 0
    # the stand-ins made at the first load (none on a database with Odoo's demo)
    idref = {}
    for xmlid in STAND_INS:
        own = env.ref(STAND_IN_XMLID.format(xmlid.split(".")[1]), raise_if_not_found=False)
        if own and not env.ref(xmlid, raise_if_not_found=False):
            idref[xmlid] = own.id
    for xmlid, target in ALIASES.items():
        if not env.ref(xmlid, raise_if_not_found=False):
            idref[xmlid] = env.ref(target).id
    Data = env["ir.model.data"]
    before = Data.search_count([("module", "in", MODULES)])
    thread = threading.current_thread()
    testing = getattr(thread, "testing", False)
    thread.testing = True
    try:
        for module in MODULES:
            for filename in demo_files(module):
                convert_file(
                    env, module, filename, idref, mode="update", noupdate=True, kind="demo"
                )
    finally:
        thread.testing = testing
    env.flush_all()
    return Data.search_count([("module", "in", MODULES)]) - before


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--config", default=os.path.join(ROOT, ".odoo-effective.conf"))
    args = parser.parse_args(argv)

    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    started = time.perf_counter()
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        loaded = load_suite_demo(env)
        added = 0 if loaded else top_up_suite_demo(env)
    if loaded:
        print(f"[demo] suite demo data: {loaded} files in {time.perf_counter() - started:.1f}s")
    else:
        print(f"[demo] suite demo data already loaded; {added} new demo records added")
    return 0


if __name__ == "__main__":
    sys.exit(main())
