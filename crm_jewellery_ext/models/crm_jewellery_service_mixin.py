from markupsafe import Markup

from odoo import _, api, fields, models


class CrmJewelleryServiceMixin(models.AbstractModel):
    """What custom orders and repairs share: the price, the deposit and the
    balance, the customer-facing status and the service notices sent to the
    customer on each status change.

    Status notices are service messages, not direct marketing: they are sent
    without a marketing consent, on the customer's preferred contact channel.
    """

    _name = "crm.jewellery.service.mixin"
    _description = "Jewellery Service (custom order or repair)"

    # customer status field and notice templates of the inheriting model
    _jewellery_status_field = "state"
    _jewellery_mail_template = None
    _jewellery_sms_template = None
    # Traditional Chinese status labels for notices (they do not depend on
    # the zh_HK language being installed)
    _jewellery_status_zh = {}

    service_currency_id = fields.Many2one(
        "res.currency",
        default=lambda self: self.env.company.currency_id,
        required=True,
    )
    service_amount = fields.Monetary(
        string="Total Price", currency_field="service_currency_id", tracking=True
    )
    deposit_amount = fields.Monetary(
        string="Deposit Asked", currency_field="service_currency_id", tracking=True
    )
    amount_paid = fields.Monetary(
        string="Paid", currency_field="service_currency_id", tracking=True
    )
    payment_date = fields.Date(string="Last Payment Date", tracking=True)
    balance = fields.Monetary(
        currency_field="service_currency_id",
        compute="_compute_balance",
        store=True,
        help="Total price less everything paid (deposit included).",
    )
    balance_due_date = fields.Date(
        help="When the balance is due; payment reminders count from this date.", tracking=True
    )
    ready_date = fields.Date(tracking=True)

    @api.depends("service_amount", "amount_paid")
    def _compute_balance(self):
        for rec in self:
            rec.balance = max(rec.service_amount - rec.amount_paid, 0.0)

    def _jewellery_statuses(self):
        return {rec.id: rec[self._jewellery_status_field] for rec in self}

    def _jewellery_notify_changes(self, old_statuses):
        """Notify the customers of the records whose status changed."""
        new_statuses = self._jewellery_statuses()
        changed = self.filtered(lambda r: old_statuses.get(r.id) != new_statuses.get(r.id))
        if changed and not self.env.context.get("crm_jewellery_no_notice"):
            self.env["crm.jewellery.service.mixin"]._jewellery_send_notice(
                changed, self._jewellery_mail_template, self._jewellery_sms_template
            )
        return changed

    @api.model
    def _jewellery_channel(self, partner):
        """The channel a service notice goes out on: the customer's preferred
        one when it can be used; email, then SMS otherwise."""
        preferred = partner.preferred_contact_channel
        if preferred == "sms" and (partner.mobile or partner.phone):
            return "sms"
        if preferred == "email" and partner.email:
            return "email"
        if preferred in ("phone", "whatsapp", "post"):
            return "call"
        if partner.email:
            return "email"
        if partner.mobile or partner.phone:
            return "sms"
        return "call"

    @api.model
    def _jewellery_send_notice(self, records, mail_template_xmlid, sms_template_xmlid):
        """Send a service notice about each of ``records`` (any mail.thread
        with a customer) on the customer's channel: an email posted in the
        chatter, a queued SMS, or an activity asking the staff to call."""
        by_channel = {"email": [], "sms": [], "call": []}
        for rec in records:
            partner = rec.partner_id
            if partner:
                by_channel[self._jewellery_channel(partner)].append(rec.id)
        if by_channel["email"] and mail_template_xmlid:
            template = self.env.ref(mail_template_xmlid)
            for rec in records.browse(by_channel["email"]):
                rec.message_post_with_source(
                    template,
                    subtype_xmlid="mail.mt_comment",
                    message_type="comment",
                )
        if by_channel["sms"] and sms_template_xmlid:
            template = self.env.ref(sms_template_xmlid)
            for rec in records.browse(by_channel["sms"]):
                rec._message_sms_with_template(template=template, partner_ids=rec.partner_id.ids)
        if by_channel["call"]:
            todo = self.env.ref("mail.mail_activity_data_call")
            vals_list = []
            for rec in records.browse(by_channel["call"]):
                user_field = "user_id" if "user_id" in rec._fields else "invoice_user_id"
                vals_list.append(
                    {
                        "res_model_id": self.env["ir.model"]._get_id(rec._name),
                        "res_id": rec.id,
                        "activity_type_id": todo.id,
                        "summary": _(
                            "Call the customer about %(document)s (prefers %(channel)s)",
                            document=rec.display_name,
                            channel=rec.partner_id.preferred_contact_channel or "-",
                        ),
                        "user_id": (rec[user_field] or self.env.user).id,
                        "date_deadline": fields.Date.context_today(self),
                    }
                )
            self.env["mail.activity"].sudo().create(vals_list)
        self._jewellery_log_on_customers(records, by_channel)
        return by_channel

    def _jewellery_log_on_customers(self, records, by_channel):
        """Every notice is logged on its customer too (issue 17): one note per
        customer naming the documents and the channel, in one batch."""
        labels = {
            "email": _("by e-mail"),
            "sms": _("by SMS"),
            "call": _("as a call for the staff"),
        }
        lines = {}
        for channel, ids in by_channel.items():
            for rec in records.browse(ids):
                lines.setdefault(rec.partner_id.id, []).append(
                    _(
                        "%(document)s: notice sent %(channel)s",
                        document=rec.display_name,
                        channel=labels[channel],
                    )
                )
        if lines:
            bodies = {pid: Markup("<br/>").join(notes) for pid, notes in lines.items()}
            self.env["res.partner"].sudo().browse(list(lines))._message_log_batch(bodies=bodies)

    def _jewellery_wants_chinese(self):
        self.ensure_one()
        partner = self.partner_id
        if partner.preferred_language:
            return partner.preferred_language == "zh_HK"
        return (partner.lang or "").startswith("zh")

    def _jewellery_status_text(self):
        """Status label for the customer: Chinese or English."""
        self.ensure_one()
        status = self[self._jewellery_status_field]
        if self._jewellery_wants_chinese() and status in self._jewellery_status_zh:
            return self._jewellery_status_zh[status]
        field = self._fields[self._jewellery_status_field]
        return dict(field._description_selection(self.with_context(lang="en_US").env)).get(status)

    def _jewellery_status_text_en(self):
        self.ensure_one()
        field = self._fields[self._jewellery_status_field]
        labels = dict(field._description_selection(self.env))
        return labels.get(self[self._jewellery_status_field])
