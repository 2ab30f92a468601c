from odoo import fields
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..lib import data_quality as dq

# the retail profile fields a customer edits on /my/account (as strings in
# the form); never identifiers, membership, branch or tier
RETAIL_PORTAL_FIELDS = (
    "mobile",
    "district_id",
    "preferred_language",
    "preferred_contact_channel",
    "birthday_day",
    "birthday_month",
    "birthday_year",
)
SELECTION_FIELDS = ("preferred_language", "preferred_contact_channel")
BIRTHDAY_FIELDS = ("birthday_day", "birthday_month", "birthday_year")
PHONE_FIELDS = ("phone", "mobile")


class RetailProfilePortal(CustomerPortal):
    """Odoo's ``/my/account`` for a retail customer: the retail profile
    fields a customer may edit themselves, the phone and e-mail checked and
    normalised by the suite's one rule (lib/data_quality.py) with its
    message on the form, and each change logged on the customer's chatter
    with its source. Odoo's own route writes the customer's own partner;
    only the fields listed here and Odoo's are accepted."""

    def _crm_portal_is_retail(self):
        return bool(request.env.user.partner_id.is_retail_customer)

    def _get_mandatory_fields(self):
        """Only the data a customer must give (the collection notice's
        obligatory data): a name and an e-mail, not an address."""
        mandatory = super()._get_mandatory_fields()
        if self._crm_portal_is_retail():
            mandatory = [f for f in mandatory if f not in ("phone", "street", "city", "country_id")]
        return mandatory

    def _get_optional_fields(self):
        optional = super()._get_optional_fields()
        if self._crm_portal_is_retail():
            optional = [
                *optional,
                *(f for f in ("phone", "street", "city", "country_id") if f not in optional),
                *RETAIL_PORTAL_FIELDS,
            ]
        return optional

    def _prepare_portal_layout_values(self):
        values = super()._prepare_portal_layout_values()
        if self._crm_portal_is_retail():
            Partner = request.env["res.partner"]
            values.update(
                {
                    # reference data for the form's drop-downs
                    "crm_districts": request.env["crm.hk.district"].sudo().search([]),
                    "crm_languages": Partner._fields["preferred_language"]._description_selection(
                        request.env
                    ),
                    "crm_contact_channels": Partner._fields[
                        "preferred_contact_channel"
                    ]._description_selection(request.env),
                    "crm_birth_years": range(fields.Date.context_today(Partner).year, 1899, -1),
                }
            )
        return values

    def details_form_validate(self, data, partner_creation=False):
        error, error_message = super().details_form_validate(data, partner_creation)
        if partner_creation or not self._crm_portal_is_retail():
            return error, error_message
        Partner = request.env["res.partner"]
        for fname in PHONE_FIELDS:
            number = (data.get(fname) or "").strip()
            if number and dq.format_phone(number) is None:
                error[fname] = "error"
                error_message.append(Partner._crm_phone_error(number))
        email = (data.get("email") or "").strip()
        if email and not dq.is_valid_email(email):
            # the suite's message says what good looks like (Odoo's may show too)
            error["email"] = "error"
            error_message.append(Partner._crm_email_error(email))
        district = data.get("district_id")
        if district:
            district_id = self._crm_portal_int(district)
            District = request.env["crm.hk.district"].sudo()
            if not (district_id and District.browse(district_id).exists()):
                error["district_id"] = "error"
                error_message.append(request.env._("Choose your district from the list."))
        for fname in SELECTION_FIELDS:
            value = data.get(fname)
            if value and value not in dict(Partner._fields[fname].selection):
                error[fname] = "error"
                error_message.append(
                    request.env._(
                        "Choose %(field)s from the list.",
                        field=Partner._fields[fname]._description_string(request.env),
                    )
                )
        birthday = [self._crm_portal_int(data.get(fname)) for fname in BIRTHDAY_FIELDS]
        if any(value is None for value in birthday):
            error["birthday_day"] = "error"
            error_message.append(request.env._("The birthday must be given in numbers."))
        else:
            problem = Partner._birthday_error(*birthday, fields.Date.context_today(Partner).year)
            if problem:
                error["birthday_day"] = "error"
                error_message.append(request.env._("Impossible birthday: %(error)s", error=problem))
        return error, error_message

    @staticmethod
    def _crm_portal_int(value):
        """0 for an empty value, the integer, or None when not a number."""
        if value in (None, "", False):
            return 0
        try:
            number = int(value)
        except (TypeError, ValueError):
            return None
        return number if 0 <= number < 10000 else None

    def on_account_update(self, values, partner):
        res = super().on_account_update(values, partner)
        if not partner.is_retail_customer:
            return res
        # the form's strings as field values, normalised by the suite's rules
        for fname in PHONE_FIELDS:
            if fname in values:
                number = (values[fname] or "").strip()
                values[fname] = dq.format_phone(number) if number else False
        if values.get("email"):
            values["email"] = values["email"].strip()
        if "district_id" in values:
            values["district_id"] = self._crm_portal_int(values["district_id"]) or False
        for fname in BIRTHDAY_FIELDS:
            if fname in values:
                values[fname] = self._crm_portal_int(values[fname]) or 0
        for fname in SELECTION_FIELDS:
            if fname in values:
                values[fname] = values[fname] or False
        self._crm_portal_log_changes(partner, values)
        return res

    def _crm_portal_log_changes(self, partner, values):
        """One note on the customer's chatter naming the fields the customer
        changed and the source; values are not copied into the chatter (a
        birthday is confidential)."""
        changed = []
        for fname, new in values.items():
            field = partner._fields.get(fname)
            if not field:
                continue
            old = partner[fname]
            if field.type == "many2one":
                old = old.id
            if (old or False) != (new or False):
                changed.append(field._description_string(request.env))
        if changed:
            partner.sudo()._message_log(
                body=request.env._(
                    "Profile updated by the customer, via the portal: %(fields)s.",
                    fields=", ".join(changed),
                ),
                author_id=partner.id,
            )
