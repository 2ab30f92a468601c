"""Batch writes of the integration API: the defaults Odoo computes for each
new record, computed once per batch, the isolation of the records the
database refuses (per-record mode), and the statistics of the tables a
batch grew."""

import logging

import psycopg2
from psycopg2 import errors

from odoo import Command, _, api, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# a batch that adds at least this many rows, and at least this fraction of
# what PostgreSQL believes the table holds, refreshes its statistics
ANALYZE_MIN_ROWS = 500
ANALYZE_GROWTH = 0.5


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
          once, on a new record holding the shared defaults; so is an
          editable computed field (Odoo would compute it after the INSERT,
          record by record, and write it again): given, it is stored by the
          INSERT and not computed again;
        - defaults that change nothing on a new record are not given at all
          (``_noop_defaults``): an empty set of tags, a company-dependent
          value equal to the company's fallback (stored as NULL either way);
        - a field some records give and others do not gets its default once
          too, for the records without it (a default does not depend on the
          other values of the record, only on the context);
        - the context key ``crm_batch_keys`` names the fields every record
          then holds, unless a default is left to each record: a record with
          all of them needs no default at all, and
          ``res.partner._add_missing_default_values`` passes it on as it is
          instead of listing the 200 fields it does not give (see there).
        """
        given = set().union(*vals_list)
        everywhere = set(vals_list[0]).intersection(*vals_list[1:]) if vals_list else set()
        names = [name for name in Model._fields if name not in everywhere]
        if len(vals_list) < 2 or not names:
            return Model, vals_list
        first, second = Model.default_get(names), Model.default_get(names)
        shared = {name: value for name, value in first.items() if second.get(name, ()) == value}
        varying = (set(first) | set(second)) - set(shared)
        noop, fallback = self._noop_defaults(Model, shared)
        for name in noop:
            del shared[name]
        no_default = tuple(
            name for name in names if (name not in first and name not in second) or name in noop
        )
        per_record = given | varying
        precompute = [
            field
            for name, field in Model._fields.items()
            if (field.precompute or (self._computed_once(field) and name not in shared))
            and name not in per_record
            and not any(
                path.split(".")[0] in per_record for path in Model.pool.field_depends[field]
            )
        ]
        if precompute:
            probe = Model.new(shared)
            for field in precompute:
                shared[field.name] = field.convert_to_write(probe[field.name], probe)
        context = {"crm_no_default": no_default, "crm_fallback_fields": fallback}
        if not varying and self._complete_records_allowed(Model):
            skipped = set(no_default)
            context["crm_batch_keys"] = tuple(name for name in Model._fields if name not in skipped)
        Model = Model.with_context(**context)
        return Model, [shared | vals for vals in vals_list]

    @api.model
    def _complete_records_allowed(self, Model):
        """Whether a record of ``Model`` that holds every field with a
        default needs nothing more from ``_add_missing_default_values``: no
        parent model whose defaults it would fill in (``_inherits``), no
        properties field whose defaults it would delegate."""
        return not Model._inherits and all(
            field.type != "properties" for field in Model._fields.values()
        )

    @api.model
    def _computed_once(self, field):
        """Whether ``field`` is a stored computed field that a batch may give
        (computed on a new record holding the shared values): editable, so
        that Odoo keeps the given value instead of computing it again, and
        computed from the record's own fields only."""
        return bool(
            field.store
            and field.compute
            and not field.readonly
            and not field.inverse
            and not field.company_dependent
            and field.column_type
            and not field.get_depends(self.env[field.model_name])[1]  # no context
        )

    @api.model
    def _noop_defaults(self, Model, shared):
        """(names, company-dependent names) of the shared defaults that
        change nothing on a new record: an empty x2many command list, and
        company-dependent values that Odoo stores as NULL because they equal
        the company's fallback (``convert_to_column_insert`` gives None).

        Not giving them spares Odoo a relation update and a fallback look-up
        (and a company check) per record; the company-dependent ones are read
        from the database after the creation (``res.partner.create``
        invalidates them: see ``crm_fallback_fields``)."""
        noop, fallback = [], []
        empty = Model.browse()
        for name, value in shared.items():
            field = Model._fields[name]
            if field.type in ("one2many", "many2many"):
                if all(
                    isinstance(command, list | tuple)
                    and (
                        command[0] == Command.CLEAR
                        or (command[0] == Command.SET and len(command) == 3 and not command[2])
                    )
                    for command in value or ()
                ):
                    noop.append(name)
            elif (
                field.company_dependent
                and field.column_type
                and field.convert_to_column_insert(value, empty) is None
            ):
                noop.append(name)
                fallback.append(name)
        return noop, tuple(fallback)

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

    @api.model
    def _refresh_statistics(self, added, tables=("res_partner", "crm_customer_identity")):
        """ANALYZE ``tables`` when a batch that added ``added`` rows grew them
        by a large fraction of what PostgreSQL's statistics say they hold.

        On a new database the statistics describe the tables as the
        installation left them (a handful of customers, no retail ones):
        until autovacuum catches up, a minute later at best, every query on
        them is planned for an empty table. Plans of the API's own look-ups
        do not depend on it (they only probe indexes); the statistics matter
        for the rest (record rules, searches, reports, the data-quality scan
        after an import). ANALYZE of a table samples at most 30,000 rows: it
        runs only while the table is small next to the batch, i.e. for the
        first few batches on a new database.

        It runs in the batch's transaction (its own new rows are counted)
        and never waits: if another transaction is analysing the table
        (a concurrent batch, autovacuum), this one leaves it to them.
        """
        if added < ANALYZE_MIN_ROWS:
            return
        rows = self.env.execute_query(
            SQL(
                "SELECT relname, reltuples FROM pg_class "
                "WHERE relkind = 'r' AND oid = ANY(ARRAY(SELECT to_regclass(t) "
                "FROM unnest(%s::text[]) AS t))",
                list(tables),
            )
        )
        stale = sorted(name for name, known in rows if added >= ANALYZE_GROWTH * known)
        if not stale:
            return
        self.env.flush_all()  # what the batch computes is part of the sample
        for table in stale:
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env.cr.execute(
                        SQL(
                            "LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE NOWAIT",
                            SQL.identifier(table),
                        ),
                        log_exceptions=False,
                    )
                    self.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
            except errors.LockNotAvailable:
                _logger.debug("%s is being analysed by another transaction", table)
