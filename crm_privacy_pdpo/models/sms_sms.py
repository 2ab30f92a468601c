from odoo import models

from ..lib.sms_gateway import SmsGatewayApi, gateway_url


class SmsSms(models.Model):
    _inherit = "sms.sms"

    def _split_by_api(self):
        """Through the suite's HTTP SMS gateway when one is configured
        (Settings > SMS gateway); Odoo's IAP service otherwise."""
        if gateway_url(self.env):
            yield SmsGatewayApi(self.env), self
        else:
            yield from super()._split_by_api()
