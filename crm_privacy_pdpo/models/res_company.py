from odoo import models

from ..lib.sms_gateway import SmsGatewayApi, gateway_url


class ResCompany(models.Model):
    _inherit = "res.company"

    def _get_sms_api_class(self):
        # the HTTP SMS gateway is configured for the whole database
        if gateway_url(self.env):
            self.ensure_one()
            return SmsGatewayApi
        return super()._get_sms_api_class()
