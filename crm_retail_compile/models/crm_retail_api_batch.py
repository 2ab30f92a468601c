"""Batch writes of the integration API: the defaults Odoo computes for each
new record, computed once per batch, and the isolation of the records the
database refuses (per-record mode)."""

import psycopg2

from odoo import _, api, models
from odoo.exceptions import UserError, ValidationError


# One file per concern of the API (see crm_retail_api.py).
class CrmRetailApi(models.AbstractModel):
    _inherit = "crm.retail.api"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _batch_create_values(self, Model, vals_list):
        """Complete a batch of creations with what is the same for every
        record, computed once; returns (Model with context, vals_list).

        Odoo completes each new record on its own: ``default_get`` over every
        field the record does not give (about 220 for res.partner; account's
        invoice template default runs a query each time), then the
        precomputed fields on a new record of its own. For a batch of
        customers that is a third of the creation time. Here:

        - defaults that come out the same twice in a row depend on the
          context, not on the record, and are given to every record; the
          others (a sequence or a timestamp, say) are left to Odoo;
        - fields that have no default at all are named in the context key
          ``crm_no_default`` (a tuple: contexts may be serialised), which
          ``res.partner.default_get`` skips;
        - a precomputed field whose dependencies no record gives is computed
          once, on a new record holding the shared defaults.
        """
        given = set().union(*vals_list)
        names = [name for name in Model._fields if name not in given]
        if len(vals_list) < 2 or not names:
            return Model, vals_list
        first, second = Model.default_get(names), Model.default_get(names)
        shared = {name: value for name, value in first.items() if second.get(name, ()) == value}
        varying = (set(first) | set(second)) - set(shared)
        no_default = tuple(name for name in names if name not in first and name not in second)
        per_record = given | varying
        precompute = [
            field
            for name, field in Model._fields.items()
            if field.precompute
            and name not in per_record
            and not any(
                path.split(".")[0] in per_record for path in Model.pool.field_depends[field]
            )
        ]
        if precompute:
            probe = Model.new(shared)
            for field in precompute:
                shared[field.name] = field.convert_to_write(probe[field.name], probe)
        Model = Model.with_context(crm_no_default=no_default)
        return Model, [shared | vals for vals in vals_list]

    @api.model
    def _isolate_failures(self, items, attempt):
        """Run ``attempt(items)`` in a savepoint; if the database refuses,
        split the items in halves until the refused ones are alone, so that
        the others are still written in batches.

        Returns (the results of the attempts that passed, [(item, error)]).
        """
        try:
            with self.env.cr.savepoint():  # flushes on exit: errors surface here
                return [attempt(items)], []
        except (UserError, ValidationError, psycopg2.IntegrityError) as error:
            if len(items) == 1:
                if isinstance(error, psycopg2.IntegrityError):  # a unique key, say
                    error = ValidationError(
                        _(
                            "The database refused this record (%(constraint)s).",
                            constraint=error.diag.constraint_name or error.pgcode,
                        )
                    )
                return [], [(items[0], error)]
        half = len(items) // 2
        done, failed = self._isolate_failures(items[:half], attempt)
        more_done, more_failed = self._isolate_failures(items[half:], attempt)
        return done + more_done, failed + more_failed
