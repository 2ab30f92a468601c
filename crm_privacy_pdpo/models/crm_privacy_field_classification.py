from odoo import api, fields, models, tools
from odoo.exceptions import UserError

DATA_CATEGORIES = [
    ("identity", "Identity"),
    ("contact", "Contact"),
    ("demographic", "Demographic"),
    ("preference", "Preference"),
    ("transaction", "Transaction"),
    ("financial", "Financial"),
    ("identifier", "Identifier"),
]
SENSITIVITY_LEVELS = [
    ("public", "Public"),
    ("internal", "Internal"),
    ("confidential", "Confidential"),
    ("restricted", "Restricted"),
]
SENSITIVITY_RANK = {code: rank for rank, (code, _label) in enumerate(SENSITIVITY_LEVELS)}


class CrmPrivacyFieldClassification(models.Model):
    """Registry of the personal-data fields of the suite.

    Later modules add their own fields with a data file; reports, exports and
    the API ask ``_get_restricted_fields`` what a user may see.
    """

    _name = "crm.privacy.field.classification"
    _description = "Personal Data Field Classification"
    _order = "model, field_name"

    # indexed by its unique constraint
    field_id = fields.Many2one("ir.model.fields", required=True, ondelete="cascade")
    model_id = fields.Many2one(related="field_id.model_id", store=True)
    model = fields.Char(
        related="field_id.model_id.model", store=True, index=True, string="Model Name"
    )
    field_name = fields.Char(related="field_id.name", store=True)
    field_description = fields.Char(related="field_id.field_description", string="Label")
    category = fields.Selection(DATA_CATEGORIES, required=True, default="contact")
    sensitivity = fields.Selection(SENSITIVITY_LEVELS, required=True, default="internal")
    is_restricted_identifier = fields.Boolean(
        help="Identifiers such as the HKID or passport number: stored only for a recorded "
        "purpose, masked in views and readable only by the allowed groups."
    )
    obligatory = fields.Boolean(
        help="Obligatory to supply according to the collection notice (DPP1(3))."
    )
    anonymise = fields.Boolean(
        default=True, help="Cleared when a record of this model is anonymised."
    )
    note = fields.Text()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("field_uniq", "unique(field_id)", "A field can only be classified once."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env.registry.clear_cache()
        return records

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    @api.model
    @tools.ormcache()
    def _get_registry_map(self):
        """{model: {field: (category, sensitivity, anonymise)}} of active entries."""
        self.env.cr.execute(
            """SELECT model, field_name, category, sensitivity, anonymise
                 FROM crm_privacy_field_classification
                WHERE active AND model IS NOT NULL"""
        )
        result = {}
        for model, fname, category, sensitivity, anonymise in self.env.cr.fetchall():
            result.setdefault(model, {})[fname] = (category, sensitivity, anonymise)
        return result

    @api.model
    def _is_personal_model(self, model_name):
        return model_name in self._get_registry_map()

    @api.model
    def _get_classified_fields(self, model_name):
        return dict(self._get_registry_map().get(model_name, {}))

    @api.model
    def _get_user_clearance(self, user=None):
        """Highest sensitivity level the user may see (via crm.privacy.clearance)."""
        user = user or self.env.user
        if not isinstance(user, models.BaseModel) or user._name != "res.users":
            raise UserError(self.env._("A user is required to compute a privacy clearance."))
        Clearance = self.env["crm.privacy.clearance"]
        clearance = Clearance._get_clearance_for_groups(user.sudo().groups_id.ids)
        cap = Clearance._get_clearance_cap(user)
        if cap and SENSITIVITY_RANK[cap] < SENSITIVITY_RANK[clearance]:
            clearance = cap
        return clearance

    @api.model
    def _get_hidden_fields(self, model_name):
        """Classified fields of ``model_name`` that the current user may not
        read at all (above its clearance cap, e.g. an analyst's department).

        Cheap for every other case: nothing for the superuser, unclassified
        models or users without a cap (cached registry map and group ids)."""
        if self.env.su:
            return frozenset()
        classified = self._get_registry_map().get(model_name)
        if not classified:
            return frozenset()
        cap = self.env["crm.privacy.clearance"]._get_clearance_cap(self.env.user)
        if not cap:
            return frozenset()
        rank = SENSITIVITY_RANK[cap]
        return frozenset(
            fname
            for fname, (_cat, sensitivity, _an) in classified.items()
            if SENSITIVITY_RANK[sensitivity] > rank
        )

    @api.model
    def _get_restricted_fields(self, model_name, user=None):
        """Field names of ``model_name`` that ``user`` may NOT see.

        A field is restricted when its sensitivity is above the user's clearance.
        Unknown models have no classified fields and return an empty set.
        """
        if not isinstance(model_name, str) or model_name not in self.env:
            raise UserError(self.env._("Unknown model: %(model)s", model=model_name))
        clearance_rank = SENSITIVITY_RANK[self._get_user_clearance(user)]
        return {
            fname
            for fname, (_cat, sensitivity, _an) in self._get_classified_fields(model_name).items()
            if SENSITIVITY_RANK[sensitivity] > clearance_rank
        }

    @api.model
    def _get_visible_fields(self, model_name, field_names, user=None):
        """Filter ``field_names`` down to those ``user`` may see."""
        restricted = self._get_restricted_fields(model_name, user)
        return [fname for fname in field_names if fname not in restricted]
