from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models

# consent channel -> trace type
CHANNEL_TRACE_TYPES = {"email": "mail", "sms": "sms"}
# A withdrawal recorded within this many days of receiving a mailing is the
# customer opting out of that mailing (the unsubscribe link, a STOP reply, the
# preference centre or a call after the campaign).
OPT_OUT_ATTRIBUTION_DAYS = 30
# statuses of a trace whose message left (Odoo's "Sent" is ``pending``)
SENT_STATUSES = ("pending", "sent", "open", "reply", "bounce")


class MailingTrace(models.Model):
    """What each recipient of a mailing got, tied to the customer.

    Failure types for recipients a direct-marketing mailing excluded for lack
    of consent, next to Odoo's blacklist and opt-out ones; the customer the
    trace is about (the recipient record itself, or a lead's customer), for
    the customer's campaign history and the branch rule; and the opt-out the
    customer recorded after receiving it."""

    _inherit = "mailing.trace"
    # access requests collect a customer's campaign messages through it
    _crm_privacy_partner_field = "crm_partner_id"

    failure_type = fields.Selection(
        selection_add=[
            ("mail_no_consent", "No Direct-Marketing Consent"),
            ("sms_no_consent", "No Direct-Marketing Consent (SMS)"),
        ],
        ondelete={"mail_no_consent": "set null", "sms_no_consent": "set null"},
    )
    crm_partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_crm_partner_id",
        store=True,
        index="btree_not_null",
        help="The customer this message was for (the recipient, or a lead's customer).",
    )
    crm_is_sent = fields.Boolean(
        string="Sent",
        compute="_compute_crm_result_flags",
        store=True,
        help="The message left: delivered, opened, replied or bounced.",
    )
    crm_is_bounced = fields.Boolean(
        string="Bounced", compute="_compute_crm_result_flags", store=True
    )
    crm_opt_out_datetime = fields.Datetime(
        string="Opted Out On",
        readonly=True,
        copy=False,
        crm_system=True,
        help="The customer withdrew consent for this channel within "
        f"{OPT_OUT_ATTRIBUTION_DAYS} days of receiving this message.",
    )

    @api.depends("model", "res_id")
    def _compute_crm_partner_id(self):
        Mailing = self.env["mailing.mailing"]
        by_model = defaultdict(lambda: self.browse())
        for trace in self:
            by_model[trace.model] |= trace
        for model_name, traces in by_model.items():
            fname = (
                Mailing._crm_privacy_partner_field(model_name)
                if model_name and model_name in self.env
                else None
            )
            partner_of = {}
            if fname:
                records = (
                    self.env[model_name]
                    .sudo()
                    .with_context(active_test=False)
                    .browse({t.res_id for t in traces if t.res_id})
                    .exists()
                )
                partner_of = {rec.id: rec.id if fname == "id" else rec[fname].id for rec in records}
            for trace in traces:
                trace.crm_partner_id = partner_of.get(trace.res_id, False)

    @api.depends("trace_status")
    def _compute_crm_result_flags(self):
        for trace in self:
            trace.crm_is_sent = trace.trace_status in SENT_STATUSES
            trace.crm_is_bounced = trace.trace_status == "bounce"

    @api.model
    def _crm_mark_opted_out(self, consents):
        """Note on the latest mailing each customer received on the channel
        (within the attribution window, of a mailing for the withdrawn
        purpose or any purpose) that the customer opted out after it.
        One search for all ``consents``."""
        opt_outs = consents.filtered(
            lambda c: c.kind == "opt_out" and c.channel in CHANNEL_TRACE_TYPES
        )
        if not opt_outs:
            return self.browse()
        oldest = min(opt_outs.mapped("consent_date")) - timedelta(days=OPT_OUT_ATTRIBUTION_DAYS)
        Trace = self.sudo()
        traces = Trace.search(
            [
                ("crm_partner_id", "in", opt_outs.partner_id.ids),
                (
                    "trace_type",
                    "in",
                    [CHANNEL_TRACE_TYPES[c] for c in set(opt_outs.mapped("channel"))],
                ),
                ("trace_status", "in", SENT_STATUSES),
                ("create_date", ">=", oldest),
                ("crm_opt_out_datetime", "=", False),
            ],
            order="create_date desc, id desc",
        )
        by_key = defaultdict(list)  # newest first
        for trace in traces:
            by_key[(trace.crm_partner_id.id, trace.trace_type)].append(trace)
        chosen = {}
        for consent in opt_outs:
            key = (consent.partner_id.id, CHANNEL_TRACE_TYPES[consent.channel])
            window = consent.consent_date - timedelta(days=OPT_OUT_ATTRIBUTION_DAYS)
            for trace in by_key.get(key, ()):
                purpose = trace.mass_mailing_id.privacy_purpose_id
                if (
                    window <= trace.create_date
                    and trace.create_date <= consent.consent_date + timedelta(minutes=5)
                    and (not consent.purpose_id or not purpose or purpose == consent.purpose_id)
                ):
                    chosen.setdefault(key, (trace, consent.consent_date))
                    break
        by_date = defaultdict(list)  # the withdrawal's own date (a form may be dated back)
        for trace, date in chosen.values():
            by_date[date].append(trace.id)
        for date, ids in by_date.items():
            Trace.browse(ids)._crm_system_write().write({"crm_opt_out_datetime": date})
        return Trace.browse([trace.id for trace, _date in chosen.values()])
