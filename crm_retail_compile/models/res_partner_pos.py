"""The customer at the till: Odoo's Point of Sale finds a customer by
membership number, phone (a Hong Kong number in any format) or e-mail,
enrols a new one, and records the collection notice and the direct-marketing
consents given at the counter.

One rule each, shared with the rest of the suite:

- validation and normalisation of the contact details: ``lib/api_schema``
  (the integration API's) and ``res.partner._crm_clean_contact_values``
  (forms, imports), which both call ``lib/data_quality``;
- identity of a customer (membership number, then phone key, then e-mail)
  and its lookup among the customers the cashier may read:
  ``crm.retail.api._find_customers`` (the API's customer upsert);
- consents: ``crm.privacy.consent`` records (append-only, checked against
  the collection notice), which the mailing filters read.

The POS calls the public ``crm_pos_*`` methods below with the cashier's own
rights: a cashier needs a Retail CRM role as well as the POS.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib import api_schema
from ..lib import data_quality as dq
from ..lib.api_schema import ApiInputError

# the marketing channels a cashier can ask about at the counter
POS_CONSENT_CHANNELS = ("email", "sms", "phone", "whatsapp", "post")
POS_FIND_LIMIT = 20
MAX_QUERY = 254
ENROL_KEYS = ("name", "phone", "email")


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Data the POS loads with each customer
    # ------------------------------------------------------------------
    @api.model
    def _load_pos_data_fields(self, config_id):
        fields_list = super()._load_pos_data_fields(config_id)
        return [*fields_list, "membership_number"]

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------
    @api.model
    def _crm_pos_check_access(self):
        user = self.env.user
        if not (
            user.has_group("crm_privacy_pdpo.group_retail_user")
            and user.has_group("point_of_sale.group_pos_user")
        ):
            raise AccessError(
                self.env._(
                    "Finding and enrolling customers at the till needs a Retail CRM role "
                    "and access to the Point of Sale."
                )
            )

    @api.model
    def _crm_pos_till(self, config_id):
        """The till (pos.config) the cashier works at, and its branch."""
        self._crm_pos_check_access()
        if not isinstance(config_id, int) or isinstance(config_id, bool):
            raise ValidationError(self.env._("The till must be given by its id."))
        config = self.env["pos.config"].browse(config_id).exists()
        if not config:
            raise ValidationError(self.env._("Unknown point of sale."))
        config.check_access("read")
        branch = (
            config.retail_branch_id
            if "retail_branch_id" in config._fields
            else self.env["crm.retail.branch"]
        )
        user = self.env.user
        if user.retail_branch_scoped:
            if not branch:
                raise UserError(
                    self.env._(
                        "The point of sale %(till)s belongs to no branch: ask an "
                        "administrator to set its branch before enrolling customers.",
                        till=config.name,
                    )
                )
            if branch not in user.retail_branch_ids:
                raise AccessError(
                    self.env._(
                        "You do not serve the branch %(branch)s of this point of sale.",
                        branch=branch.display_name,
                    )
                )
        return config, branch

    # ------------------------------------------------------------------
    # Finding a customer
    # ------------------------------------------------------------------
    @api.model
    def _crm_pos_query_keys(self, query):
        """The identity keys (as the API's ``identity_keys``) a cashier's
        search text can be: a membership number, a phone number in any
        format, an e-mail address."""
        text = query.strip()
        keys = [("membership", text), ("membership", text.upper())]
        digits = dq.phone_key(text)
        if len(digits) >= dq.HK_LOCAL_DIGITS and dq.is_valid_phone(text):
            keys.append(("phone", digits))
        if "@" in text:
            keys.append(("email", text.lower()))
        return list(dict.fromkeys(keys))

    @api.model
    def crm_pos_find_customers(self, config_id, query):
        """Ids of the customers the cashier may read whose membership
        number, phone or mobile (any format: "9123 4567", "+852 9123-4567",
        "85291234567") or e-mail is ``query``: the exact matches of the
        suite's identity rule, oldest customer first."""
        self._crm_pos_till(config_id)
        if not isinstance(query, str) or not query.strip():
            return []
        if len(query) > MAX_QUERY:
            raise ValidationError(self.env._("The search text is too long."))
        keys = self._crm_pos_query_keys(query)
        Api = self.env["crm.retail.api"]
        rows = Api._find_customer_rows_by_keys(keys)
        visible = Api._readable_ids("res.partner", {row[2] for row in rows})
        ids = []
        for _kind, _value, partner_id in rows:
            if partner_id in visible and partner_id not in ids:
                ids.append(partner_id)
        return ids[:POS_FIND_LIMIT]

    # ------------------------------------------------------------------
    # The privacy panel: collection notice and consents
    # ------------------------------------------------------------------
    @api.model
    def _crm_pos_active_pics(self):
        return self.env["crm.privacy.pics"].search([("state", "=", "active")], limit=1)

    @api.model
    def crm_pos_privacy_form(self, config_id, partner_id=False):
        """What the till shows to record the collection notice and the
        consents: the active notice in the cashier's language, the active
        marketing purposes, the channels, and for a known customer whether
        the notice was given and the current consent per purpose and
        channel ({"<purpose id>:<channel>": true})."""
        self._crm_pos_till(config_id)
        pics = self._crm_pos_active_pics()
        purposes = self.env["crm.privacy.marketing.purpose"].search([])
        Consent = self.env["crm.privacy.consent"]
        channel_labels = dict(Consent._fields["channel"]._description_selection(self.env))
        result = {
            "pics": {
                "id": pics.id,
                "name": pics.name,
                "version": pics.version,
                "text": str(
                    (pics.text_zh if self.env.lang == "zh_HK" else pics.text_en)
                    or pics.text_en
                    or pics.text_zh
                    or ""
                ),
            }
            if pics
            else False,
            "purposes": [
                {"id": p.id, "code": p.code, "name": p.name, "description": p.description or ""}
                for p in purposes
            ],
            "channels": [[code, channel_labels[code]] for code in POS_CONSENT_CHANNELS],
            "acknowledged": False,
            "consents": {},
        }
        if partner_id:
            partner = self._crm_pos_customer(partner_id)
            result["acknowledged"] = bool(
                pics
                and self.env["crm.privacy.pics.acknowledgement"].search_count(
                    [("partner_id", "=", partner.id), ("pics_id", "=", pics.id)], limit=1
                )
            )
            result["consents"] = partner._crm_pos_current_consents(purposes)
        return result

    @api.model
    def _crm_pos_customer(self, partner_id):
        """A customer the cashier may read, or the same refusal whether it
        does not exist or belongs to another branch."""
        if not isinstance(partner_id, int) or isinstance(partner_id, bool):
            raise ValidationError(self.env._("The customer must be given by its id."))
        if not self.env["crm.retail.api"]._readable_ids("res.partner", {partner_id}):
            raise AccessError(self.env._("Unknown customer."))
        return self.browse(partner_id)

    def _crm_pos_current_consents(self, purposes):
        """{"<purpose id>:<channel>": True} of the consents in force (own use)."""
        self.ensure_one()
        current = {}
        for purpose in purposes:
            for channel in POS_CONSENT_CHANNELS:
                if self._crm_filter_consenting(self, purpose, channel):
                    current[f"{purpose.id}:{channel}"] = True
        return current

    @api.model
    def _crm_pos_clean_privacy(self, privacy):
        """{"pics_acknowledged": bool, "consents": {"<purpose id>:<channel>":
        bool}, "employee_name": str}: checked before anything is written."""
        if privacy in (None, False):
            privacy = {}
        if not isinstance(privacy, dict):
            raise ValidationError(self.env._("The privacy answers must be a struct."))
        try:
            api_schema.check_keys(
                privacy, ("pics_acknowledged", "consents", "employee_name"), "privacy answers"
            )
        except ApiInputError as error:
            raise ValidationError(str(error)) from None
        consents = privacy.get("consents") or {}
        if not isinstance(consents, dict) or len(consents) > 500:
            raise ValidationError(self.env._("The consents must be a struct of answers."))
        purposes = {p.id: p for p in self.env["crm.privacy.marketing.purpose"].search([])}
        answers = []
        for key, granted in consents.items():
            purpose_id, _sep, channel = str(key).partition(":")
            if (
                not purpose_id.isdigit()
                or int(purpose_id) not in purposes
                or channel not in POS_CONSENT_CHANNELS
                or not isinstance(granted, bool)
            ):
                raise ValidationError(
                    self.env._("Unknown consent answer: %(key)s", key=str(key)[:50])
                )
            answers.append((purposes[int(purpose_id)], channel, granted))
        employee = privacy.get("employee_name") or ""
        if not isinstance(employee, str) or len(employee) > 128:
            raise ValidationError(self.env._("The cashier's name is too long."))
        return bool(privacy.get("pics_acknowledged")), answers, employee.strip()

    def _crm_pos_record_privacy(self, config, branch, acknowledged, answers, employee):
        """Record the notice given at the till and the consents that changed
        (opt-in for a new consent, opt-out for a withdrawn one), as the
        cashier, at the till's branch, now. Returns the consent records."""
        self.ensure_one()
        pics = self._crm_pos_active_pics()
        Ack = self.env["crm.privacy.pics.acknowledgement"]
        given = bool(
            pics and Ack.search_count([("partner_id", "=", self.id), ("pics_id", "=", pics.id)])
        )
        current = self._crm_pos_current_consents({purpose for purpose, _c, _g in answers})
        changes = [
            (purpose, channel, granted)
            for purpose, channel, granted in answers
            if granted != bool(current.get(f"{purpose.id}:{channel}"))
        ]
        opt_ins = [change for change in changes if change[2]]
        if opt_ins and not (acknowledged or given):
            raise ValidationError(
                self.env._(
                    "Give the customer the collection notice and tick its acknowledgement "
                    "before recording a marketing consent."
                )
            )
        if acknowledged and not pics:
            raise UserError(
                self.env._("No active collection notice (PICS): the privacy officer publishes one.")
            )
        now = fields.Datetime.now()
        if acknowledged and not given:
            vals = {
                "partner_id": self.id,
                "pics_id": pics.id,
                "channel": "store",
                "given_date": now,
                "branch_ref": config.name,
            }
            if branch:
                vals["retail_branch_id"] = branch.id
            Ack.create(vals)
        if not changes:
            return self.env["crm.privacy.consent"]
        cashier = self.env.user.name
        if employee and employee != cashier:
            cashier = f"{employee} ({cashier})"
        evidence = self.env._(
            "Given in store at %(branch)s, point of sale %(till)s, recorded by %(cashier)s.",
            branch=branch.display_name or "-",
            till=config.name,
            cashier=cashier,
        )
        vals_list = [
            {
                "partner_id": self.id,
                "purpose_id": purpose.id,
                "channel": channel,
                "use": "own_use",
                "kind": "opt_in" if granted else "opt_out",
                "source": "pos",
                "consent_date": now,
                "pics_id": pics.id if granted else False,
                "recorded_branch_id": branch.id,
                "evidence": evidence,
            }
            for purpose, channel, granted in changes
        ]
        # recorded_branch_id is system-set: the branch is the till's, checked
        # in _crm_pos_till; the consent model still checks the customer
        return self.env["crm.privacy.consent"]._crm_system_write().create(vals_list)

    @api.model
    def crm_pos_record_privacy(self, config_id, partner_id, privacy):
        """Record the collection notice and consent answers of a known
        customer at the till. Returns {"id", "recorded"}."""
        config, branch = self._crm_pos_till(config_id)
        partner = self._crm_pos_customer(partner_id)
        acknowledged, answers, employee = self._crm_pos_clean_privacy(privacy)
        consents = partner._crm_pos_record_privacy(config, branch, acknowledged, answers, employee)
        return {"id": partner.id, "recorded": len(consents)}

    # ------------------------------------------------------------------
    # Enrolling a customer
    # ------------------------------------------------------------------
    @api.model
    def crm_pos_enrol(self, config_id, customer, privacy=None):
        """Enrol the customer the cashier typed in ({"name", "phone",
        "email"}), or find the customer who already has that phone number or
        e-mail (the API's identity rule: no duplicate), give them a
        membership number, and record the collection notice and consents.

        Returns {"id", "created", "membership_number"}."""
        config, branch = self._crm_pos_till(config_id)
        if not isinstance(customer, dict):
            raise ValidationError(self.env._("The customer must be a struct."))
        try:
            api_schema.check_keys(customer, ENROL_KEYS, "customer")
            values, _refs = api_schema.clean_customer(customer)
        except ApiInputError as error:
            raise ValidationError(str(error)) from None
        if not values.get("name"):
            raise ValidationError(self.env._("Give the customer's name."))
        if not (values.get("phone") or values.get("email")):
            raise ValidationError(self.env._("Give the customer's phone number or e-mail."))
        acknowledged, answers, employee = self._crm_pos_clean_privacy(privacy)
        if not acknowledged and not self._crm_pos_active_pics():
            raise UserError(
                self.env._("No active collection notice (PICS): the privacy officer publishes one.")
            )
        Api = self.env["crm.retail.api"]
        keys = api_schema.identity_keys(values)
        # the same locks and identity claims as the API's upsert: a till and
        # an e-shop enrolling the same person at once make one customer
        Api._lock([f"{kind}:{value}" for kind, value in keys])
        found = Api._find_customers(keys)
        partner_id = next((found[key] for key in keys if key in found), None)
        created = partner_id is None
        if created:
            if not acknowledged:
                raise ValidationError(
                    self.env._(
                        "Give the new customer the collection notice and tick its "
                        "acknowledgement: personal data is collected with the notice."
                    )
                )
            Api._claim_identities(keys)
            vals = dict(
                values,
                is_retail_customer=True,
                retail_channel="store",
                enrolment_date=fields.Date.context_today(self),
            )
            if branch:
                vals["retail_branch_id"] = branch.id
            partner = self.with_context(mail_create_nosubscribe=True).create(vals)
            Api._register_identities(dict.fromkeys(keys, partner.id))
        else:
            partner = self.browse(partner_id)
        if not partner.membership_number:
            partner.action_enrol()
        partner._crm_pos_record_privacy(config, branch, acknowledged, answers, employee)
        return {
            "id": partner.id,
            "created": created,
            "membership_number": partner.membership_number,
        }
