from odoo import api, models, tools

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

    @api.model
    def _crm_gateway_delivery_reports(self, reports):
        """Apply the gateway's delivery reports as Odoo's IAP webhook
        (``/sms/status``) applies IAP's: through the SMS trackers, the
        chatter notifications and the mailing traces (and mailings' states)
        are updated by Odoo's own methods; the SMS records still there are
        set to the same state and marked for deletion.

        ``reports``: checked ``[(uuid, iap_state, failure reason)]``, the
        state one of Odoo's (``delivered``, ``sent``) or a provider error
        (``expired``, ``rejected``, ``not_delivered``, ...). Reports for
        unknown messages are ignored. Returns (updated, unknown) counts."""
        uuids = list({uuid for uuid, _state, _reason in reports})
        if not uuids:
            return 0, 0
        trackers = self.env["sms.tracker"].search([("sms_uuid", "in", uuids)])
        all_sms = self.search([("uuid", "in", uuids)])
        known = set(trackers.mapped("sms_uuid")) | set(all_sms.mapped("uuid"))
        # the latest report of a message wins
        latest = {uuid: (state, reason) for uuid, state, reason in reports if uuid in known}
        groups = tools.groupby(latest.items(), key=lambda item: item[1])
        for (state, reason), items in groups:
            group_uuids = {uuid for uuid, _value in items}
            group_trackers = trackers.filtered(lambda t, u=group_uuids: t.sms_uuid in u)
            group_sms = all_sms.filtered(lambda s, u=group_uuids: s.uuid in u)
            if success_state := self.IAP_TO_SMS_STATE_SUCCESS.get(state):
                group_trackers._action_update_from_sms_state(success_state)
                # a late "sent" report does not undo "delivered"
                group_sms.filtered(
                    lambda s, state=success_state: state == "sent" or s.state != "sent"
                ).write({"state": success_state, "failure_type": False})
            else:
                _status, failure_type, _reason = group_trackers.with_context(
                    sms_known_failure_reason=reason
                )._action_update_from_provider_error(state)
                # sms.sms knows fewer failure types than traces and notifications
                if failure_type not in dict(self._fields["failure_type"].selection):
                    failure_type = "unknown"
                group_sms.write({"state": "error", "failure_type": failure_type})
        all_sms.filtered(lambda s: not s.to_delete).write({"to_delete": True})
        return len(known), len(uuids) - len(known)
