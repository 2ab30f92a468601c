import contextlib
import threading

from odoo import http
from odoo.http import request

from odoo.addons.base.controllers.rpc import RPC


@contextlib.contextmanager
def remote_addr_for_rpc():
    """Odoo hides the request while it dispatches an XML-RPC/JSON-RPC call
    (odoo.http.borrow_request); keep its address (as Odoo sees it: the
    X-Forwarded-For address only in proxy mode) on the thread for the login
    checks of res.users: allowed networks of the user's branches, and
    password-free RPC for users who must use two-factor login
    (res.users._rpc_api_keys_only)."""
    thread = threading.current_thread()
    thread.crm_remote_addr = request.httprequest.remote_addr
    thread.crm_rpc_call = True
    try:
        yield
    finally:
        thread.crm_remote_addr = None
        thread.crm_rpc_call = False


class CrmRPC(RPC):
    @http.route()
    def xmlrpc_1(self, service):
        with remote_addr_for_rpc():
            return super().xmlrpc_1(service)

    @http.route()
    def xmlrpc_2(self, service):
        with remote_addr_for_rpc():
            return super().xmlrpc_2(service)

    @http.route()
    def jsonrpc(self, service, method, args):
        with remote_addr_for_rpc():
            return super().jsonrpc(service, method, args)
