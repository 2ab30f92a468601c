import calendar
import datetime

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ..lib import data_quality as dq
from .crm_customer_profit import DIMENSION_FIELDS

MEMBERSHIP_SEQUENCE = "crm.retail.membership"
PROFIT_DIMENSIONS = frozenset(DIMENSION_FIELDS)
PHONE_FIELDS = ("phone", "mobile")
DAYS = [(str(d), str(d)) for d in range(1, 32)]
MONTHS = [(str(m), str(m)) for m in range(1, 13)]


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "crm.branch.mixin"]

    retail_branch_id = fields.Many2one(string="Home Branch")
    is_retail_customer = fields.Boolean(
        string="Retail Customer",
        index=True,
        default=lambda self: self.env.context.get("default_is_retail_customer", False),
        help="A person who buys from the shops or the online store.",
    )
    # the unique constraint below indexes it
    membership_number = fields.Char(copy=False, readonly=True)
    membership_tier_id = fields.Many2one("crm.membership.tier", ondelete="restrict", index=True)
    enrolment_date = fields.Date(copy=False)
    retail_channel = fields.Selection(
        [("store", "In Store"), ("online", "Online"), ("both", "In Store and Online")],
        string="Channel",
        index=True,
    )
    preferred_language = fields.Selection(
        [("en", "English"), ("zh_HK", "Traditional Chinese")],
        default="zh_HK",
    )
    preferred_contact_channel = fields.Selection(
        [
            ("email", "Email"),
            ("sms", "SMS"),
            ("phone", "Phone Call"),
            ("whatsapp", "WhatsApp"),
            ("post", "Post"),
        ]
    )
    district_id = fields.Many2one("crm.hk.district", ondelete="restrict", index=True)
    residency = fields.Selection(
        [("resident", "Hong Kong Resident"), ("visitor", "Visitor")],
        default="resident",
    )
    birthday_day = fields.Integer(string="Birthday (Day)")
    birthday_month = fields.Integer(string="Birthday (Month)")
    birthday_year = fields.Integer(
        string="Birth Year", help="Optional: many customers give only day and month."
    )
    # What the form shows and edits: 0 (unknown) in the stored integers is
    # an empty choice here, not a "0 / 0" birthday.
    birthday_day_choice = fields.Selection(
        DAYS,
        string="Birthday Day",
        compute="_compute_birthday_choice",
        inverse="_inverse_birthday_choice",
    )
    birthday_month_choice = fields.Selection(
        MONTHS,
        string="Birthday Month",
        compute="_compute_birthday_choice",
        inverse="_inverse_birthday_choice",
    )
    birthday_year_choice = fields.Selection(
        "_selection_birthday_year",
        string="Birth Year (Optional)",
        compute="_compute_birthday_choice",
        inverse="_inverse_birthday_choice",
        help="Optional: many customers give only day and month.",
    )
    interest_ids = fields.Many2many("crm.retail.interest", string="Interests")
    preferred_categ_ids = fields.Many2many(
        "product.category",
        "res_partner_preferred_categ_rel",
        "partner_id",
        "categ_id",
        string="Preferred Product Categories",
    )
    online_account = fields.Char(copy=False, help="Login of the customer on the online store.")
    last_online_visit = fields.Datetime()

    _sql_constraints = [
        (
            "membership_number_uniq",
            "unique(membership_number)",
            "This membership number is already used by another customer.",
        ),
    ]

    def _check_membership_numbers(self, vals_list):
        """Refuse membership numbers that another customer already has.

        Runs before the write: the unique index stays the last line of
        defence, but users get a clear message instead of a database error.
        """
        numbers = [vals["membership_number"] for vals in vals_list if vals.get("membership_number")]
        if not numbers:
            return
        if len(set(numbers)) != len(numbers) or (len(self) > 1 and len(vals_list) == 1):
            raise ValidationError(_("Each customer needs a membership number of their own."))
        taken = (
            self.sudo()
            .with_context(active_test=False)
            .search([("membership_number", "in", numbers), ("id", "not in", self.ids)])
        )
        if taken:
            raise ValidationError(
                _(
                    "Membership number %(numbers)s is already used by another customer.",
                    numbers=", ".join(taken.mapped("membership_number")),
                )
            )

    @api.model
    def _selection_birthday_year(self):
        this_year = fields.Date.context_today(self).year
        return [(str(y), str(y)) for y in range(this_year, 1899, -1)]

    @api.depends("birthday_day", "birthday_month", "birthday_year")
    def _compute_birthday_choice(self):
        for partner in self:
            partner.birthday_day_choice = (
                str(partner.birthday_day) if partner.birthday_day else False
            )
            partner.birthday_month_choice = (
                str(partner.birthday_month) if partner.birthday_month else False
            )
            partner.birthday_year_choice = (
                str(partner.birthday_year) if partner.birthday_year else False
            )

    def _inverse_birthday_choice(self):
        for partner in self:
            partner.write(
                {
                    "birthday_day": int(partner.birthday_day_choice or 0),
                    "birthday_month": int(partner.birthday_month_choice or 0),
                    "birthday_year": int(partner.birthday_year_choice or 0),
                }
            )

    # --- contact details: one rule for forms, imports and the API ------------

    @api.model
    def _crm_phone_error(self, number):
        return _(
            "%(number)s is not a valid phone number. A Hong Kong number has 8 digits "
            "starting with 2, 3, 5, 6, 7, 8 or 9, e.g. %(example)s (+852 is added for you); "
            "a number of another country starts with + and its country code, "
            "e.g. +86 139 1234 5678.",
            number=repr(number.strip()),
            example=dq.HK_PHONE_EXAMPLE,
        )

    @api.model
    def _crm_email_error(self, email):
        return _(
            "%(email)s is not a valid e-mail address: it should look like chan.taiman@example.com.",
            email=repr(email.strip()),
        )

    @api.model
    def _crm_clean_contact_values(self, vals):
        """Validate and normalise the phone numbers and e-mail of ``vals``
        (lib.data_quality, the rules of the data-quality scan and of the
        API): Hong Kong numbers as "+852 9123 4567", foreign ones in their
        international format; refuse invalid ones with what good looks like.
        Return the cleaned copy of ``vals``."""
        vals = dict(vals)
        for fname in PHONE_FIELDS:
            number = vals.get(fname)
            if number and isinstance(number, str):
                formatted = dq.format_phone(number)
                if formatted is None:
                    raise ValidationError(self._crm_phone_error(number))
                vals[fname] = formatted
        email = vals.get("email")
        if email and isinstance(email, str):
            if not dq.is_valid_email(email):
                raise ValidationError(self._crm_email_error(email))
            vals["email"] = email.strip()
        return vals

    @api.onchange("phone", "mobile", "email")
    def _onchange_crm_contact_details(self):
        """Format the numbers as they are typed; warn (without refusing)
        about an invalid value and about another customer the user can see
        with the same phone number or e-mail."""
        if not self.is_retail_customer:
            return None
        problems = []
        for fname in PHONE_FIELDS:
            number = self[fname]
            if not number:
                continue
            formatted = dq.format_phone(number)
            if formatted is None:
                problems.append(self._crm_phone_error(number))
            elif formatted != number:
                self[fname] = formatted
        if self.email and not dq.is_valid_email(self.email):
            problems.append(self._crm_email_error(self.email))
        others = self._crm_same_contact_customers()
        if others:
            problems.append(
                _(
                    "This phone number or e-mail already belongs to %(names)s: check that "
                    "this is not the same customer before saving.",
                    names=", ".join(others[:5].mapped("display_name")),
                )
            )
        if not problems:
            return None
        return {
            "warning": {"title": _("Check the contact details"), "message": "\n\n".join(problems)}
        }

    def _crm_same_contact_customers(self):
        """Other retail customers, among those the user can read, with the
        phone key (lib.data_quality.phone_key, indexed SQL function) or the
        e-mail of this (unsaved) customer."""
        self.ensure_one()
        keys = [dq.phone_key(self[f]) for f in PHONE_FIELDS if self[f]]
        keys = [k for k in keys if len(k) >= dq.HK_LOCAL_DIGITS]
        email = (self.email or "").strip().lower()
        if not keys and not email:
            return self.browse()
        self.env["res.partner"].flush_model(["phone", "mobile", "email", "is_retail_customer"])
        # candidates through the expression indexes, then the user's rules
        rows = self.env.execute_query(
            SQL(
                """SELECT id FROM res_partner
                    WHERE phone IS NOT NULL AND crm_phone_key(phone) = ANY(%(keys)s)
                   UNION
                   SELECT id FROM res_partner
                    WHERE mobile IS NOT NULL AND crm_phone_key(mobile) = ANY(%(keys)s)
                   UNION
                   SELECT id FROM res_partner
                    WHERE email IS NOT NULL AND lower(trim(email)) = %(email)s""",
                keys=keys,
                email=email or None,
            )
        )
        ids = [row[0] for row in rows if row[0] != self._origin.id]
        if not ids:
            return self.browse()
        return self.search(
            [("id", "in", ids), ("is_retail_customer", "=", True)], limit=5, order="id"
        )

    @api.constrains("birthday_day", "birthday_month", "birthday_year")
    def _check_birthday(self):
        this_year = fields.Date.context_today(self).year
        for partner in self:
            error = self._birthday_error(
                partner.birthday_day, partner.birthday_month, partner.birthday_year, this_year
            )
            if error:
                raise ValidationError(
                    _("Impossible birthday for %(name)s: %(error)s", name=partner.name, error=error)
                )

    @api.model
    def _birthday_error(self, day, month, year, this_year):
        """Return why a (day, month, year) birthday is impossible, or None."""
        if not (day or month or year):
            return None
        if bool(day) != bool(month):
            return _("day and month go together")
        if not 1 <= month <= 12:
            return _("the month must be between 1 and 12")
        if year and not 1900 <= year <= this_year:
            return _("the year must be between 1900 and %(year)s", year=this_year)
        # without a year, 29 February is possible (a leap year is assumed)
        max_day = calendar.monthrange(year or 2000, month)[1]
        if not 1 <= day <= max_day:
            return _("there is no day %(day)s in month %(month)s", day=day, month=month)
        return None

    def init(self):
        res = super().init()
        # Finding a customer by name or e-mail (every customer drop-down, the
        # search bar) matches ILIKE '%text%' on each of _rec_names_search,
        # OR'ed: with a trigram index on each, PostgreSQL combines them
        # instead of scanning every customer (4 s on a million, 35 ms with).
        if not self.pool.has_trigram:
            return res
        for fname in self._rec_names_search:
            field = self._fields.get(fname)
            if field and field.store and field.column_type and field.type == "char":
                create_index(
                    self.env.cr,
                    f"res_partner_crm_{fname}_trgm_idx",
                    self._table,
                    [f'"{fname}" gin_trgm_ops'],
                    method="gin",
                    where=f'"{fname}" IS NOT NULL',
                )
        return res

    @api.model
    def default_get(self, fields_list):
        """Skip the fields that a batch creation of the integration API found
        to have no default (``crm_no_default``, see
        ``crm.retail.api._batch_create_values``): without it each customer
        of a batch looks up the defaults of some 200 fields that have none."""
        no_default = self.env.context.get("crm_no_default")
        if no_default:
            no_default = set(no_default)
            # a default given in the context since then still counts
            given = {key[8:] for key in self.env.context if key.startswith("default_")}
            fields_list = [name for name in fields_list if name not in no_default or name in given]
            if not fields_list:
                return {}
        return super().default_get(fields_list)

    @api.model
    def _add_missing_default_values(self, values):
        """A record of a batch creation of the integration API that holds
        every field of ``crm_batch_keys`` (see
        ``crm.retail.api._batch_create_values``) already has all its
        defaults: the fields it does not give are those without one. Odoo
        would list the 200-odd fields it does not give, one record at a time,
        to find that none has a default; it is passed on as it is, unless the
        context has given a default since (``default_<field>`` for a field
        it does not hold), which Odoo's way then applies."""
        complete = self.env.context.get("crm_batch_keys")
        if (
            complete
            and all(map(values.__contains__, complete))
            and not any(
                key.startswith("default_") and key[8:] not in values for key in self.env.context
            )
        ):
            return dict(values)
        return super()._add_missing_default_values(values)

    @api.model_create_multi
    def create(self, vals_list):
        default_retail = self.env.context.get("default_is_retail_customer", False)
        vals_list = [
            self._crm_clean_contact_values(vals)
            if vals.get("is_retail_customer", default_retail)
            else vals
            for vals in vals_list
        ]
        self._check_district_values(vals_list)
        self.browse()._check_membership_numbers(vals_list)
        for vals in vals_list:
            if vals.get("membership_number") and not vals.get("enrolment_date"):
                vals["enrolment_date"] = fields.Date.context_today(self)
        partners = super().create(vals_list)
        if "crm_fallback_fields" in self.env.context:
            partners._crm_after_batch_create(vals_list)
        return partners

    def _crm_after_batch_create(self, vals_list):
        """After a batch creation of ``crm.retail.api._batch_create_values``:

        - the company-dependent fields it did not give (their default is the
          company's fallback, stored as NULL) were cached empty by Odoo's
          create: they are read again from the database, i.e. the fallback;
        - the resized images of customers created without an image would be
          computed empty one customer at a time: they are empty already (no
          attachment), nothing is computed;
        - the recursive computed fields (the commercial entity) are computed
          for the whole batch at once (``_crm_compute_recursive_once``).
        """
        fallback = self.env.context["crm_fallback_fields"]
        if fallback:
            self.invalidate_recordset(list(fallback))
        self._crm_compute_recursive_once()
        no_image = self.browse(
            partner.id
            for partner, vals in zip(self, vals_list, strict=True)
            if not vals.get("image_1920")
        )
        for field in self._crm_resized_image_fields():
            self.env.remove_to_compute(field, no_image)

    def _crm_compute_recursive_once(self):
        """Compute the recursive stored fields of the new records ``self``
        (``commercial_partner_id``: the customer itself, or its parent's
        entity) with one call of their compute method for all of them.

        Odoo computes a recursive field one record at a time (a record may
        depend on another record being computed in the same pass), each time
        through the whole compute machinery (tracking, constraints): 5 % of
        the time of a batch of new customers. A record created in this
        call cannot be the parent of another one (its id did not exist when
        the values were given), so the records do not depend on each other;
        where they would (a relation between two of them), Odoo's way stays.
        The compute method is Odoo's, on the same records, with the same
        result; a later change of their dependencies marks them again."""
        for field in self._fields.values():
            if not (field.recursive and field.store and field.compute):
                continue
            todo = self & self.env.records_to_compute(field)
            if len(todo) < 2:
                continue
            relations = {
                path.split(".")[0] for path in self.pool.field_depends[field] if "." in path
            }
            if any(todo.mapped(name) & todo for name in relations):
                continue
            field.compute_value(todo)

    @api.model
    def _crm_resized_image_fields(self):
        """The stored fields computed from ``image_1920`` alone (the resized
        images of Odoo's image mixin)."""
        return [
            field
            for field in self._fields.values()
            if field.store
            and field.compute
            and field.type == "binary"
            and tuple(self.pool.field_depends[field]) == ("image_1920",)
        ]

    def write(self, vals):
        if any(f in vals for f in (*PHONE_FIELDS, "email")) and vals.get(
            "is_retail_customer", any(self.mapped("is_retail_customer"))
        ):
            vals = self._crm_clean_contact_values(vals)
        self._check_district_values([vals])
        self._check_membership_numbers([vals])
        res = super().write(vals)
        if PROFIT_DIMENSIONS.intersection(vals):
            self.env["crm.customer.profit"]._queue_dimension_changes(self.ids)
        return res

    @api.model
    def _check_district_values(self, vals_list):
        """Unknown districts get a clear error instead of a database error."""
        ids = {vals["district_id"] for vals in vals_list if vals.get("district_id")}
        if not ids:
            return
        if not all(isinstance(i, int) for i in ids):
            raise ValidationError(_("The district must be given by its id."))
        known = self.env["crm.hk.district"].sudo().browse(ids).exists()
        if len(known) != len(ids):
            raise ValidationError(_("Unknown district: %(ids)s", ids=sorted(ids - set(known.ids))))

    def action_enrol(self):
        """Enrol the customers in the membership programme."""
        to_enrol = self.filtered(lambda p: not p.membership_number)
        if any(p.is_company for p in to_enrol):
            raise UserError(_("Only individuals can be enrolled as members."))
        today = fields.Date.context_today(self)
        sequence = self.env["ir.sequence"]
        for partner in to_enrol:
            partner.write(
                {
                    "membership_number": sequence.next_by_code(MEMBERSHIP_SEQUENCE),
                    "enrolment_date": partner.enrolment_date or today,
                    "is_retail_customer": True,
                    "membership_tier_id": partner.membership_tier_id.id
                    or self._default_membership_tier().id,
                }
            )
        return True

    @api.model
    def _default_membership_tier(self):
        return self.env["crm.membership.tier"].search([], limit=1)

    def _get_birthday_date(self, year):
        """The birthday in ``year`` (28 February for 29 February in other years)."""
        self.ensure_one()
        if not (self.birthday_day and self.birthday_month):
            return None
        day = min(self.birthday_day, calendar.monthrange(year, self.birthday_month)[1])
        return datetime.date(year, self.birthday_month, day)
