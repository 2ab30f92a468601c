"""What Odoo's own tours need from the suite's login rules (issue 18,
setup/run_odoo_suites.sh): Odoo's test harness logs 'admin' in with its
password through the non-interactive credential check, and opens URLs
without a valid action expecting the web client to fall back on the menu of
the URL. The suite's password-free RPC rule is bound to the RPC routes
(tests/test_xmlrpc_mfa_api_keys.py), and the Retail CRM landing page is the
default home of retail people, not of Odoo's settings administrators."""

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.crm_retail_compile.models import res_users as res_users_module


@tagged("post_install", "-at_install")
class TestOdooCompatLogin(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            res_users_module.MFA_RPC_API_KEYS_PARAM, "1"
        )
        cls.home = cls.env.ref("crm_retail_compile.crm_retail_home_action")
        cls.sysadmin = new_test_user(
            cls.env,
            login="oc_sysadmin",
            groups="base.group_system,crm_retail_compile.group_retail_admin",
        )
        cls.retail_admin = new_test_user(
            cls.env, login="oc_retail_admin", groups="crm_retail_compile.group_retail_admin"
        )

    def test_harness_login_of_enforced_administrator(self):
        """As Odoo's tours log 'admin' in on a database without demo data."""
        self.assertTrue(self.sysadmin._mfa_enforced())
        self.assertFalse(self.sysadmin.crm_mfa_exempt)
        self.authenticate(self.sysadmin.login, self.sysadmin.login)
        info = self.make_jsonrpc_request("/web/session/get_session_info")
        self.assertEqual(info["uid"], self.sysadmin.id)

    def test_settings_administrators_keep_odoo_landing(self):
        self.authenticate(self.sysadmin.login, self.sysadmin.login)
        info = self.make_jsonrpc_request("/web/session/get_session_info")
        self.assertFalse(info["home_action_id"])
        # a home action of their own still counts
        self.sysadmin.action_id = self.home.id
        info = self.make_jsonrpc_request("/web/session/get_session_info")
        self.assertEqual(info["home_action_id"], self.home.id)

    def test_retail_people_land_on_the_retail_home(self):
        self.authenticate(self.retail_admin.login, self.retail_admin.login)
        info = self.make_jsonrpc_request("/web/session/get_session_info")
        self.assertEqual(info["home_action_id"], self.home.id)
