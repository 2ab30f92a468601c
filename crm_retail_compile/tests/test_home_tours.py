from unittest import SkipTest

from odoo.tests import HttpCase, tagged

ROLE_LOGINS = {
    "staff": "staff.central",
    "manager": "manager.central",
    "analyst": "analyst.marketing",
    "privacy": "privacy.officer",
    "admin": "retail.admin",
}
SUITE_MODULES = ["crm_privacy_pdpo", "crm_retail_compile", "crm_jewellery_ext"]


class RetailTourCase(HttpCase):
    """Base of the browser tours: Traditional Chinese (zh_HK) active with the
    suite's terms, the demo Retail CRM logins (exempt from the two-factor
    login) on English with the Retail CRM home as their home action. Needs an
    HTTP server: ``--odoo-http``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lang = cls.env["res.lang"].with_context(active_test=False)
        if not Lang.search([("code", "=", "zh_HK"), ("active", "=", True)]):
            Lang._activate_lang("zh_HK")
            modules = [m for m in SUITE_MODULES if m in cls.env.registry._init_modules]
            cls.env["ir.module.module"]._load_module_terms(modules, ["zh_HK"])
        cls.users = {
            role: cls.env["res.users"].search([("login", "=", login)])
            for role, login in ROLE_LOGINS.items()
        }
        missing = [login for role, login in ROLE_LOGINS.items() if not cls.users[role]]
        if missing:
            raise SkipTest("demo logins missing (no demo data): %s" % ", ".join(missing))
        # a home action of their own, as on a fresh demo database
        home = cls.env.ref("crm_retail_compile.crm_retail_home_action")
        for user in cls.users.values():
            user.write({"lang": "en_US", "action_id": home.id})

    def _run_tour(self, role, tour, lang="en_US", timeout=120):
        """Run ``tour`` as the demo login of ``role`` in ``lang``; the
        zh_HK variant of a tour is the tour's name + ``_zh_hk``."""
        user = self.users[role]
        if lang != "en_US":
            user.lang = lang
            tour = "%s_%s" % (tour, lang.lower())
        self.start_tour("/odoo", tour, login=user.login, timeout=timeout)


@tagged("post_install", "-at_install")
class TestHomeTours(RetailTourCase):
    """Each Retail CRM role logs in with Chromium, lands on its home page,
    finds its cards, opens a card's list and a customer; in English and in
    Traditional Chinese (zh_HK). Uses the demo logins (exempt from the
    two-factor login). Needs an HTTP server: ``--odoo-http``."""

    def _tour(self, role, lang="en_US"):
        user = self.users[role]
        if lang != "en_US":
            user.lang = lang
        self.start_tour("/odoo", "crm_retail_home_%s" % role, login=user.login, timeout=120)

    def test_tour_staff(self):
        self._tour("staff")

    def test_tour_staff_zh_hk(self):
        self._tour("staff", "zh_HK")

    def test_tour_manager(self):
        self._tour("manager")

    def test_tour_analyst(self):
        self._tour("analyst")

    def test_tour_privacy(self):
        self._tour("privacy")

    def test_tour_privacy_zh_hk(self):
        self._tour("privacy", "zh_HK")

    def test_tour_admin(self):
        self._tour("admin")

    def test_home_action_default(self):
        """A Retail CRM user without a home action of its own gets the home
        page; a user outside the roles keeps Odoo's (none: Discuss)."""
        home = self.env.ref("crm_retail_compile.crm_retail_home_action")
        staff = self.users["staff"]
        staff.action_id = False
        self.authenticate(staff.login, staff.login)
        info = self.make_jsonrpc_request("/web/session/get_session_info")
        self.assertEqual(info["home_action_id"], home.id)
        plain = self.env["res.users"].create(
            {
                "name": "Plain User",
                "login": "plain.user",
                "password": "plain.user-pw",
                "groups_id": [(6, 0, self.env.ref("base.group_user").ids)],
            }
        )
        self.authenticate(plain.login, "plain.user-pw")
        info = self.make_jsonrpc_request("/web/session/get_session_info")
        self.assertFalse(info["home_action_id"])
