"""Login security of the retail roles (issue 14, remote branches): two-factor
login for the people of the Retail CRM roles (auth_totp_enforce), the demo
exemption, API keys only over RPC for them when configured, allowed networks
per branch, the password policy (password_security) and the idle-session
timeout (auth_session_timeout). The same paths over a real server:
tests/test_xmlrpc_login_security.py."""

import threading
from unittest.mock import patch

from odoo.exceptions import AccessDenied, UserError, ValidationError
from odoo.tests.common import TransactionCase, new_test_user

from odoo.addons.crm_retail_compile.models import res_users as res_users_module

STAFF = "crm_retail_compile.group_branch_staff"


class FakeRequest:
    """Just what the network check reads from odoo.http.request."""

    def __init__(self, addr):
        self.httprequest = type("HttpRequest", (), {"remote_addr": addr})()


class TestLoginSecurity(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Branch = cls.env["crm.retail.branch"]
        cls.branch_a = Branch.create({"code": "LSA", "name": "Login A"})
        cls.branch_b = Branch.create({"code": "LSB", "name": "Login B"})
        cls.staff = new_test_user(cls.env, login="ls_staff", groups=STAFF)
        cls.staff.write(
            {"retail_branch_ids": [(6, 0, cls.branch_a.ids)], "retail_branch_id": cls.branch_a.id}
        )
        cls.admin_retail = new_test_user(
            cls.env, login="ls_admin", groups="crm_retail_compile.group_retail_admin"
        )
        cls.integration = new_test_user(
            cls.env, login="ls_api", groups="crm_retail_compile.group_integration"
        )
        cls.integration.write({"retail_branch_ids": [(6, 0, cls.branch_a.ids)]})
        cls.internal = new_test_user(cls.env, login="ls_internal", groups="base.group_user")
        cls.exempt_group = cls.env.ref("auth_totp_enforce.group_mfa_exempt")

    def check_network(self, user, addr):
        with patch.object(res_users_module, "request", FakeRequest(addr)):
            user._crm_check_login_network()

    # -- allowed networks ------------------------------------------------------

    def test_networks_validated_with_clear_message(self):
        self.branch_a.login_networks = "203.0.113.0/24, 10.0.0.0/8\n2001:db8::/48 192.0.2.7"
        self.assertEqual(len(self.branch_a._parse_login_networks()), 4)
        for bad in ("not-a-network", "10.0.0.1/8", "300.1.1.0/24", "10.0.0.0/33"):
            with self.assertRaises(ValidationError) as err:
                self.branch_b.login_networks = bad
            self.assertIn(bad, str(err.exception))
            self.assertIn("CIDR", str(err.exception))
        with self.assertRaises(ValidationError):
            self.branch_b.login_networks = " ".join(f"10.{i}.0.0/16" for i in range(65))

    def test_no_networks_no_restriction(self):
        self.assertIsNone(self.staff._crm_login_networks())
        self.check_network(self.staff, "198.51.100.9")

    def test_branch_scoped_user_only_from_its_branch_networks(self):
        self.branch_a.login_networks = "10.0.0.0/8"
        self.check_network(self.staff, "10.1.2.3")
        with (
            self.assertRaises(AccessDenied),
            self.assertLogs("odoo.addons.crm_retail_compile.models.res_users", "WARNING") as logs,
        ):
            self.check_network(self.staff, "127.0.0.1")
        self.assertIn("Login refused", logs.output[0])
        self.assertIn("ls_staff", logs.output[0])
        # a branch-limited integration user (POS) is held to the shop's network
        with self.assertRaises(AccessDenied):
            self.check_network(self.integration, "127.0.0.1")
        # not an address at all (unix socket behind a proxy): refused
        with self.assertRaises(AccessDenied):
            self.check_network(self.staff, "garbage")

    def test_any_allowed_branch_network_will_do(self):
        self.staff.retail_branch_ids = [(4, self.branch_b.id)]
        self.branch_a.login_networks = "10.0.0.0/8"
        # restricted once one branch lists networks; branch B lists none
        with self.assertRaises(AccessDenied):
            self.check_network(self.staff, "192.168.1.5")
        self.branch_b.login_networks = "192.168.1.0/24"
        self.check_network(self.staff, "192.168.1.5")
        self.check_network(self.staff, "10.9.9.9")
        self.branch_b.login_networks = "2001:db8::/48"
        self.check_network(self.staff, "2001:db8::1")

    def test_unscoped_users_not_restricted(self):
        self.branch_a.login_networks = "10.0.0.0/8"
        self.admin_retail.retail_branch_ids = [(6, 0, self.branch_a.ids)]
        self.check_network(self.admin_retail, "127.0.0.1")
        self.check_network(self.internal, "127.0.0.1")

    # -- two-factor login ------------------------------------------------------

    def test_mfa_enforced_for_retail_roles_only(self):
        self.assertTrue(self.staff._mfa_enforced())
        self.assertTrue(self.admin_retail._mfa_enforced())
        self.assertEqual(self.staff._mfa_url(), "/web/login/totp/setup")
        # machines and users outside the retail roles keep stock behaviour
        self.assertFalse(self.integration._mfa_enforced())
        self.assertFalse(self.internal._mfa_enforced())

    def test_exemption_flag_is_the_exempt_group(self):
        self.assertFalse(self.staff.crm_mfa_exempt)
        self.staff.crm_mfa_exempt = True
        self.assertIn(self.exempt_group, self.staff.groups_id)
        self.assertFalse(self.staff._mfa_enforced())
        self.assertIsNone(self.staff._mfa_url())
        self.staff.crm_mfa_exempt = False
        self.assertNotIn(self.exempt_group, self.staff.groups_id)
        self.assertTrue(self.staff._mfa_enforced())

    def test_only_admins_grant_the_exemption(self):
        with self.assertRaises(UserError):
            self.staff.with_user(self.staff).sudo(False).write({"crm_mfa_exempt": True})

    def test_demo_users_exempt(self):
        demo = self.env.ref("crm_retail_compile.user_staff_central_demo", False)
        if not demo:
            self.skipTest("no demo data")
        self.assertTrue(demo.crm_mfa_exempt)
        self.assertFalse(demo._mfa_enforced())

    def test_rpc_needs_api_key_when_configured(self):
        icp = self.env["ir.config_parameter"]
        credential = {"login": "ls_staff", "password": "ls_staff", "type": "password"}
        staff = self.staff.with_user(self.staff)
        icp.set_param(res_users_module.MFA_RPC_API_KEYS_PARAM, "1")
        # the rule is for the calls of the RPC routes (controllers/rpc.py)
        with patch.object(threading.current_thread(), "crm_rpc_call", True, create=True):
            self.assertTrue(staff._rpc_api_keys_only())
            with self.assertRaises(AccessDenied):
                staff._check_credentials(credential, {"interactive": False})
            # the web login (interactive) goes on to the two-factor step
            staff._check_credentials(credential, {"interactive": True})
            # exempt users and machines keep password RPC
            self.assertFalse(self.integration._rpc_api_keys_only())
        # in-process logins (Odoo's HttpCase.authenticate) keep stock behaviour
        self.assertFalse(staff._rpc_api_keys_only())
        icp.set_param(res_users_module.MFA_RPC_API_KEYS_PARAM, "0")
        with patch.object(threading.current_thread(), "crm_rpc_call", True, create=True):
            staff._check_credentials(credential, {"interactive": False})

    # -- password policy and session timeout -----------------------------------

    def test_weak_password_refused_with_clear_message(self):
        staff = self.staff.with_context(crm_password_policy=True)
        for weak in ("short-1", "abcdefghijkl", "ABCDEFGH-1234"):
            with self.assertRaises(ValidationError) as err:
                staff.write({"password": weak})
            self.assertIn("Password must be 10 characters or more", str(err.exception))
        staff.write({"password": "correct-horse"})
        with self.assertRaises(UserError) as err:
            staff.write({"password": "correct-horse"})
        self.assertIn("Cannot use the most recent 5 passwords", str(err.exception))
        # a retail user is created with a weak password: refused too
        with self.assertRaises(ValidationError):
            self.env["res.users"].with_context(crm_password_policy=True).create(
                {"name": "Weak", "login": "ls_weak", "password": "weak"}
            )

    def test_configuration_in_data(self):
        icp = self.env["ir.config_parameter"].sudo()
        self.assertEqual(icp.get_param("inactive_session_time_out_delay"), "1800")
        self.assertEqual(icp.get_param("auth_password_policy.minlength"), "10")
        deadline = self.env["res.users"]._auth_timeout_deadline_calculate()
        self.assertTrue(deadline)
        # once per database: an administrator's change survives an upgrade
        icp.set_param("inactive_session_time_out_delay", "900")
        self.env["res.users"]._crm_configure_login_security()
        self.assertEqual(icp.get_param("inactive_session_time_out_delay"), "900")
