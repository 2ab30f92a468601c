import json
from unittest.mock import patch

import requests

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.sms.tools.sms_api import SmsApi

from ..lib.sms_gateway import TIMEOUT_PARAM, TOKEN_PARAM, URL_PARAM, SmsGatewayApi

POST = "odoo.addons.crm_privacy_pdpo.lib.sms_gateway.requests.post"
URL = "https://sms.example.com/send"


class FakeResponse:
    def __init__(self, status_code=200, payload=None, text=None):
        self.status_code = status_code
        self.ok = 200 <= status_code < 400
        self._payload = payload
        self._text = text

    def json(self):
        if self._text is not None:
            return json.loads(self._text)
        return self._payload


def answer(statuses=None, default="accepted"):
    """A mocked requests.post answering each SMS with ``statuses[number]``
    (a status, or ("error", code)), ``default`` otherwise."""
    statuses = statuses or {}

    def post(url, json=None, headers=None, timeout=None, **kwargs):
        results = []
        for message in json["messages"]:
            status = statuses.get(message["to"], default)
            if isinstance(status, tuple):
                results.append(
                    {"id": message["id"], "status": status[0], "error": status[1], "message": "no"}
                )
            else:
                results.append({"id": message["id"], "status": status})
        return FakeResponse(200, {"results": results})

    return post


@tagged("post_install", "-at_install")
class TestSmsGateway(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.params = cls.env["ir.config_parameter"].sudo()
        cls.params.set_param(URL_PARAM, URL)
        cls.params.set_param(TOKEN_PARAM, "secret-token")
        cls.partner = cls.env["res.partner"].create(
            {"name": "SMS Customer", "mobile": "+85291234567"}
        )

    def _sms(self, *numbers, body="Your order is ready"):
        return self.env["sms.sms"].create(
            [{"number": number, "body": body, "partner_id": self.partner.id} for number in numbers]
        )

    def test_unconfigured_uses_odoo_iap(self):
        self.params.set_param(URL_PARAM, False)
        sms = self._sms("+85291234567")
        self.assertIs(next(sms._split_by_api())[0].__class__, SmsApi)
        self.assertIs(self.env.company._get_sms_api_class(), SmsApi)

    def test_configured_uses_gateway(self):
        sms = self._sms("+85291234567")
        self.assertIsInstance(next(sms._split_by_api())[0], SmsGatewayApi)
        # the test SMS of a mailing asks the company
        self.assertIs(self.env.company._get_sms_api_class(), SmsGatewayApi)

    def test_batch_request_and_success(self):
        sms = self._sms("+85291234567", "+85291234568")
        with patch(POST, side_effect=answer()) as post:
            sms.send(unlink_sent=False)
        self.assertEqual(post.call_count, 1, "one request for the batch")
        args, kwargs = post.call_args
        self.assertEqual(args[0], URL)
        self.assertEqual(kwargs["headers"]["Authorization"], "Bearer secret-token")
        self.assertTrue(kwargs["timeout"])
        # the bearer token never follows a redirect
        self.assertFalse(kwargs["allow_redirects"])
        self.assertEqual(
            sorted((m["id"], m["to"], m["body"]) for m in kwargs["json"]["messages"]),
            sorted((s.uuid, s.number, "Your order is ready") for s in sms),
        )
        # as IAP's "success": Sent
        self.assertEqual(set(sms.mapped("state")), {"pending"})
        self.assertFalse(any(sms.mapped("failure_type")))

    def test_delivered_status(self):
        sms = self._sms("+85291234567")
        with patch(POST, side_effect=answer(default="delivered")):
            sms.send(unlink_sent=False)
        self.assertEqual(sms.state, "sent")

    def test_per_message_errors(self):
        sms = self._sms("+85291234567", "12", "+85291234569", "+85291234560")
        statuses = {
            "12": ("error", "invalid_number"),
            "+85291234569": ("error", "insufficient_credit"),
            "+85291234560": ("error", "something_new"),
        }
        with patch(POST, side_effect=answer(statuses)):
            sms.send(unlink_sent=False)
        ok, bad_number, credit, unknown = sms
        self.assertEqual(ok.state, "pending")
        self.assertEqual(
            (bad_number.state, bad_number.failure_type), ("error", "sms_number_format")
        )
        self.assertEqual((credit.state, credit.failure_type), ("error", "sms_credit"))
        self.assertEqual((unknown.state, unknown.failure_type), ("error", "unknown"))

    def _assert_all_failed(self, sms, failure_type):
        self.assertEqual(set(sms.mapped("state")), {"error"})
        self.assertEqual(set(sms.mapped("failure_type")), {failure_type})

    def test_timeout_leaves_error_for_retry(self):
        self.params.set_param(TIMEOUT_PARAM, "2")
        sms = self._sms("+85291234567", "+85291234568")
        with patch(POST, side_effect=requests.exceptions.Timeout()) as post:
            # the queue job and a user's send: no exception either way
            self.env["sms.sms"]._process_queue()
            sms.send(raise_exception=True)
        self.assertEqual(post.call_args.kwargs["timeout"], 2.0)
        self._assert_all_failed(sms, "sms_server")
        # the user's Retry sends them again
        with patch(POST, side_effect=answer()):
            sms.resend_failed()
        self.assertEqual(set(sms.mapped("state")), {"pending"})

    def test_connection_error(self):
        sms = self._sms("+85291234567")
        with patch(POST, side_effect=requests.exceptions.ConnectionError("refused")):
            sms.send()
        self._assert_all_failed(sms, "sms_server")

    def test_bad_url_set_directly(self):
        """A URL set in the system parameters without the settings' check."""
        for url in ("ftp://sms.example.com/send", "not a url"):
            with self.subTest(url=url):
                self.params.set_param(URL_PARAM, url)
                sms = self._sms("+85291234567")
                sms.send()
                self._assert_all_failed(sms, "sms_server")

    def test_http_errors(self):
        for status, failure_type in ((401, "sms_acc"), (403, "sms_acc"), (503, "sms_server")):
            with self.subTest(status=status):
                sms = self._sms("+85291234567")
                with patch(POST, return_value=FakeResponse(status, {"error": "x"})):
                    sms.send()
                self._assert_all_failed(sms, failure_type)

    def test_unreadable_answers(self):
        for response in (
            FakeResponse(200, text="<html>proxy error</html>"),
            FakeResponse(200, {"no": "results"}),
            FakeResponse(200, {"results": "accepted"}),
            FakeResponse(200, {"results": []}),
        ):
            with self.subTest(response=response._payload or response._text):
                sms = self._sms("+85291234567")
                with patch(POST, return_value=response):
                    sms.send()
                self._assert_all_failed(sms, "sms_server")

    def test_message_notification_and_mailing_trace(self):
        """A chatter SMS's notification and a mailing's trace follow the
        gateway's result as they follow IAP's."""
        with patch(POST, side_effect=answer({"+85291234567": ("error", "rejected")})):
            message = self.partner._message_sms("Hello", partner_ids=self.partner.ids)
            self.env["sms.sms"].search([("mail_message_id", "=", message.id)]).send()
        notification = message.notification_ids
        self.assertEqual(notification.notification_status, "bounce")

        mailing = self.env["mailing.mailing"].create(
            {
                "name": "Service",
                "subject": "Service",
                "mailing_type": "sms",
                "body_plaintext": "Hi",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
            }
        )
        sms = self._sms("+85291234568", "+85291234569")
        traces = self.env["mailing.trace"].create(
            [
                {
                    "trace_type": "sms",
                    "mass_mailing_id": mailing.id,
                    "model": "res.partner",
                    "res_id": self.partner.id,
                    "sms_number": s.number,
                }
                for s in sms
            ]
        )
        self.env["sms.tracker"].create(
            [
                {"sms_uuid": s.uuid, "mailing_trace_id": t.id}
                for s, t in zip(sms, traces, strict=True)
            ]
        )
        with patch(POST, side_effect=answer({"+85291234569": ("error", "invalid_number")})):
            sms.send()
        self.assertEqual(traces[0].trace_status, "pending")
        self.assertEqual(
            (traces[1].trace_status, traces[1].failure_type), ("error", "sms_number_format")
        )

    def test_test_sms_wizard_reports_failure(self):
        """The test SMS of a mailing calls the API directly: an error is
        reported to the user, not raised."""
        api = self.env.company._get_sms_api_class()(self.env)
        with patch(POST, side_effect=requests.exceptions.Timeout()):
            results = api._send_sms_batch(
                [{"content": "Hi", "numbers": [{"uuid": "u1", "number": "+85291234567"}]}]
            )
        self.assertEqual(results[0]["state"], "server_error")
        self.assertIn("server_error", api._get_sms_api_error_messages())

    def test_settings(self):
        settings = self.env["res.config.settings"].create(
            {"crm_sms_gateway_url": "https://gw.example.com/sms", "crm_sms_gateway_token": "t2"}
        )
        settings.execute()
        self.assertEqual(self.params.get_param(URL_PARAM), "https://gw.example.com/sms")
        self.assertEqual(self.params.get_param(TOKEN_PARAM), "t2")
        for bad in ("ftp://gw.example.com", "gw.example.com/send", "javascript:alert(1)"):
            with self.subTest(url=bad), self.assertRaises(ValidationError):
                self.env["res.config.settings"].create({"crm_sms_gateway_url": bad})
        # the token: settings administrators only
        self.assertEqual(
            self.env["res.config.settings"]._fields["crm_sms_gateway_token"].groups,
            "base.group_system",
        )

    def test_token_for_settings_admins_only(self):
        officer = new_test_user(
            self.env,
            login="sms_gw_officer",
            groups="base.group_user,crm_privacy_pdpo.group_privacy_officer,"
            "base.group_partner_manager",
        )
        with self.assertRaises(AccessError):
            self.env["ir.config_parameter"].with_user(officer).get_param(TOKEN_PARAM)
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(officer).create({})
        # an SMS sent by any user still goes through the gateway with the token
        with patch(POST, side_effect=answer()) as post:
            self.partner.with_user(officer)._message_sms("Hi", partner_ids=self.partner.ids)
        self.assertEqual(post.call_args.kwargs["headers"]["Authorization"], "Bearer secret-token")
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="crm_sms_gateway_url"', arch)
        self.assertIn('name="crm_sms_gateway_token"', arch)


@tagged("post_install", "-at_install")
class TestSmsDeliveryReports(TransactionCase):
    """The gateway's delivery reports update SMS, chatter notifications,
    mailing traces and mailings through Odoo's own tracker methods."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.params = cls.env["ir.config_parameter"].sudo()
        cls.params.set_param(URL_PARAM, URL)
        cls.params.set_param(TOKEN_PARAM, "secret-token")
        cls.partner = cls.env["res.partner"].create(
            {"name": "Report Customer", "mobile": "+85291234577"}
        )
        cls.mailing = cls.env["mailing.mailing"].create(
            {
                "name": "Reports",
                "subject": "Reports",
                "mailing_type": "sms",
                "body_plaintext": "Hi",
                "mailing_model_id": cls.env["ir.model"]._get_id("res.partner"),
                "privacy_direct_marketing": False,
            }
        )

    def _mailing_sms(self, count):
        sms = self.env["sms.sms"].create(
            [
                {"number": f"+8529123458{i}", "body": "Hi", "partner_id": self.partner.id}
                for i in range(count)
            ]
        )
        traces = self.env["mailing.trace"].create(
            [
                {
                    "trace_type": "sms",
                    "mass_mailing_id": self.mailing.id,
                    "model": "res.partner",
                    "res_id": self.partner.id,
                    "sms_number": s.number,
                    "sms_tracker_ids": [(0, 0, {"sms_uuid": s.uuid})],
                }
                for s in sms
            ]
        )
        with patch(POST, side_effect=answer()):
            sms.send(unlink_sent=False)
        self.assertEqual(set(traces.mapped("trace_status")), {"pending"})
        return sms, traces

    def test_delivered_failed_expired_bounced(self):
        sms, traces = self._mailing_sms(4)
        unknown = "0" * 32
        updated, missing = self.env["sms.sms"]._crm_gateway_delivery_reports(
            [
                (sms[0].uuid, "delivered", False),
                (sms[1].uuid, "not_delivered", "handset off"),
                (sms[2].uuid, "expired", "expired"),
                (sms[3].uuid, "rejected", "operator rejected"),
                (unknown, "delivered", False),
            ]
        )
        self.assertEqual((updated, missing), (4, 1))
        self.assertEqual(traces[0].trace_status, "sent")
        self.assertEqual(
            (traces[1].trace_status, traces[1].failure_type, traces[1].failure_reason),
            ("error", "sms_not_delivered", "handset off"),
        )
        self.assertEqual((traces[2].trace_status, traces[2].failure_type), ("error", "sms_expired"))
        # as with IAP: a rejected message bounces
        self.assertEqual(
            (traces[3].trace_status, traces[3].failure_type), ("bounce", "sms_rejected")
        )
        self.assertEqual(
            [(s.state, s.failure_type) for s in sms],
            [("sent", False), ("error", "unknown"), ("error", "unknown"), ("error", "unknown")],
        )
        self.assertTrue(all(sms.mapped("to_delete")))
        # the campaign's statistics
        self.mailing.invalidate_recordset()
        self.assertEqual(self.mailing.delivered, 1)
        self.assertEqual(self.mailing.bounced, 1)
        # a report sent again, or a late one: the latest state wins, no error
        self.env["sms.sms"]._crm_gateway_delivery_reports([(sms[0].uuid, "delivered", False)])
        self.assertEqual(traces[0].trace_status, "sent")

    def test_unknown_reason_kept(self):
        sms, traces = self._mailing_sms(1)
        self.env["sms.sms"]._crm_gateway_delivery_reports(
            [(sms.uuid, "blocked_by_carrier", "spam filter")]
        )
        self.assertEqual(
            (traces.trace_status, traces.failure_type, traces.failure_reason),
            ("error", "unknown", "spam filter"),
        )

    def test_chatter_notification(self):
        """The customer's chatter shows the SMS delivered or failed."""
        with patch(POST, side_effect=answer()):
            message = self.partner._message_sms("Your order is ready", partner_ids=self.partner.ids)
        self.assertEqual(message.notification_ids.notification_status, "pending")
        tracker = self.env["sms.tracker"].search(
            [("mail_notification_id", "in", message.notification_ids.ids)]
        )
        self.env["sms.sms"]._crm_gateway_delivery_reports([(tracker.sms_uuid, "delivered", False)])
        self.assertEqual(message.notification_ids.notification_status, "sent")

        with patch(POST, side_effect=answer()):
            failed = self.partner._message_sms("Pick-up reminder", partner_ids=self.partner.ids)
        tracker = self.env["sms.tracker"].search(
            [("mail_notification_id", "in", failed.notification_ids.ids)]
        )
        self.env["sms.sms"]._crm_gateway_delivery_reports(
            [(tracker.sms_uuid, "not_delivered", "no such subscriber")]
        )
        notification = failed.notification_ids
        self.assertEqual(
            (notification.notification_status, notification.failure_type),
            ("exception", "sms_not_delivered"),
        )
        self.assertEqual(notification.failure_reason, "no such subscriber")
