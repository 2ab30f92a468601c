"""Online activity and consents over the integration API
(online_activity_record, consent_record)."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import api_schema
from ..lib.api_schema import ApiInputError
from .crm_retail_api import api_method


# One file per concern of the API (see crm_retail_api.py).
class CrmRetailApi(models.AbstractModel):
    _inherit = "crm.retail.api"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Online activity
    # ------------------------------------------------------------------
    @api.model
    @api_method
    def online_activity_record(self, activities, idempotency_key=None):
        """Record online activity: [{"customer": ref, "kind": "visit", "date":
        ISO, "detail": str, "product": default_code}]. Atomic."""
        self._check_api_access()
        try:
            api_schema.check_batch(activities, "activities")
        except ApiInputError as error:
            raise ValidationError(str(error)) from None

        return self._call_once(
            idempotency_key,
            "online_activity_record",
            activities,
            lambda api_model: api_model._record_activities(activities),
        )

    @api.model
    def _record_activities(self, activities):
        kinds = dict(self.env["crm.online.activity"]._fields["kind"].selection)
        vals_list = []
        codes = {
            a.get("product")
            for a in activities
            if isinstance(a, dict) and isinstance(a.get("product"), str)
        }
        products = self._resolve_codes("product.product", codes, "default_code")
        for index, activity in enumerate(activities):
            try:
                vals = api_schema.clean_activity(activity, kinds, products)
            except ApiInputError as error:
                raise ValidationError(
                    _("Activity %(index)s: %(error)s", index=index, error=error)
                ) from None
            vals["activity_date"] = vals["activity_date"] or fields.Datetime.now()
            vals_list.append(vals)
        partners = self._customer_refs([activity.get("customer") for activity in activities])
        for vals, partner in zip(vals_list, partners, strict=True):
            vals["partner_id"] = partner.id
        records = self.env["crm.online.activity"].create(vals_list)
        return {"recorded": len(records), "ids": records.ids}

    # ------------------------------------------------------------------
    # Consent
    # ------------------------------------------------------------------
    @api.model
    @api_method
    def consent_record(self, consents, idempotency_key=None):
        """Record consents and opt-outs: [{"customer": ref, "purpose": code,
        "channel": "email"|"sms"|..., "kind": "opt_in"|"opt_out", "source":
        "web"|"pos"|..., "use": "own_use"|..., "evidence": str}]. A consent
        refers to the collection notice the customer was given; the active
        notice is recorded as given online when needed. Atomic."""
        self._check_api_access()
        if isinstance(consents, dict):
            consents = [consents]
        try:
            api_schema.check_batch(consents, "consents")
        except ApiInputError as error:
            raise ValidationError(str(error)) from None
        return self._call_once(
            idempotency_key,
            "consent_record",
            consents,
            lambda api_model: api_model._consent_record(consents),
        )

    @api.model
    def _consent_record(self, consents):
        Consent = self.env["crm.privacy.consent"]
        Partner = self.env["res.partner"]
        pics = self.env["crm.privacy.pics"].search([("state", "=", "active")], limit=1)
        choices = {
            key: tuple(dict(Consent._fields[key].selection))
            for key in ("channel", "kind", "source", "use")
        }
        # "portal" is the customer's own choice on the portal, with its evidence
        # recorded there: an integration cannot claim it
        choices["source"] = tuple(code for code in choices["source"] if code != "portal")
        vals_list = []
        purposes = {}  # code or id -> record: one lookup per purpose, not per consent
        for index, consent in enumerate(consents):
            try:
                cleaned = api_schema.clean_consent(consent, choices)
            except ApiInputError as error:
                raise ValidationError(
                    _("Consent %(index)s: %(error)s", index=index, error=error)
                ) from None
            purpose = cleaned["purpose"]
            if purpose and purpose not in purposes:
                purposes[purpose] = Partner._crm_resolve_purpose(purpose)
            purpose_rec = purposes.get(purpose, False)
            vals = {
                "purpose_id": purpose_rec.id if purpose_rec else False,
                "channel": cleaned["channel"],
                "kind": cleaned["kind"],
                "use": cleaned["use"],
                "source": cleaned["source"],
                "evidence": cleaned["evidence"],
            }
            if cleaned["kind"] == "opt_in":
                if not pics:
                    raise UserError(_("No active collection notice (PICS): publish one first."))
                vals["pics_id"] = pics.id
            vals_list.append(vals)
        partners = self._customer_refs([consent.get("customer") for consent in consents])
        for vals, partner in zip(vals_list, partners, strict=True):
            vals["partner_id"] = partner.id
        acknowledgements = self.env["crm.privacy.pics.acknowledgement"]
        need_ack = {v["partner_id"] for v in vals_list if v.get("pics_id")}
        if need_ack:
            given = acknowledgements.search(
                [("partner_id", "in", list(need_ack)), ("pics_id", "=", pics.id)]
            ).partner_id.ids
            missing = need_ack - set(given)
            if missing:
                ack_vals = []
                for partner in Partner.browse(sorted(missing)):  # one prefetch
                    vals = {"partner_id": partner.id, "pics_id": pics.id, "channel": "online"}
                    branch_id = self._default_branch_id(partner.retail_branch_id.id)
                    if branch_id:  # a branch-limited caller: never without a branch
                        vals["retail_branch_id"] = branch_id
                    ack_vals.append(vals)
                acknowledgements.create(ack_vals)
        records = Consent.create(vals_list)
        return {"recorded": len(records), "ids": records.ids}
