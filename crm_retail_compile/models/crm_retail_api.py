"""The XML-RPC integration surface for the e-shop, POS and call centre:
the shared layer of ``crm.retail.api``.

Every method runs with the calling user's rights (ACLs, branch rules, field
groups): nothing here uses ``sudo()`` to read or write business data. Input
is validated first (``lib/api_schema``); a bad record gets a ValidationError
naming the record and the reason. Batch methods take ``mode``:

- ``"atomic"`` (default): one bad record rejects the whole batch, nothing is
  written;
- ``"per_record"``: good records are written, bad ones are reported in the
  results with their error.

An ``idempotency_key`` makes a retried call return the first response
without writing again (per user, kept 30 days).

Every public method is wrapped by ``api_method``: arguments the method does
not take, and values that Python or PostgreSQL cannot hold, get a
ValidationError, never a traceback. Customers and report runs looked up by
key or id answer the same "unknown" whether they do not exist or the caller
may not read them (no existence oracle).

Where things are (each file extends ``crm.retail.api``):

- this file: access check, the own-cursor READ COMMITTED transaction with
  advisory locks, the idempotency store, code and access look-ups, the
  default branch of new records;
- ``crm_retail_api_identity.py``: customers found by membership number,
  phone or e-mail (identity SQL), customer references;
- ``crm_retail_api_batch.py``: batch creation with the defaults computed
  once, per-record isolation of database refusals, and ANALYZE of the
  tables a batch grew by a large fraction (a new database);
- ``crm_retail_api_customer.py``: customer_upsert(_batch), customer_summary;
  ``_customer_upsert_batch_here`` is the same upsert in the caller's
  transaction (the customer import);
- ``crm_retail_api_activity.py``: online_activity_record, consent_record;
- ``crm_retail_api_order.py``: order_record;
- ``crm_retail_api_report.py``: report_run, report_fetch;
- ``lib/api_schema.py``: input validation; ``lib/api_rpc.py``: XML-RPC values.
"""

import functools
import hashlib
import inspect
import json
import logging

import psycopg2

from odoo import _, api, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL, config

from ..lib import api_schema
from ..lib.api_schema import ApiInputError

CREATE_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}


_logger = logging.getLogger(__name__)

# the advisory locks of identities: (LOCK_SPACE, bucket), a power of two of
# buckets (see CrmRetailApi._lock)
LOCK_SPACE = 71_403_190
LOCK_BUCKETS = 256


class UnknownRecordError(ValidationError, AccessError):
    """A record looked up by the API that does not exist or that the caller
    may not read: one answer for both, so that a caller cannot tell them
    apart (it is a ValidationError for a bad reference and an AccessError
    for another branch's record, as clients of either expect)."""


def api_method(func):
    """A public method of the API: arguments it does not take and values
    Python or PostgreSQL cannot hold get a ValidationError naming the
    method, never a traceback (the cause is logged)."""
    signature = inspect.signature(func)
    params = ", ".join(name for name in signature.parameters if name != "self")

    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        try:
            signature.bind(self, *args, **kwargs)
        except TypeError:
            raise ValidationError(
                self.env._(
                    "%(method)s takes the arguments: %(params)s.",
                    method=func.__name__,
                    params=params,
                )
            ) from None
        try:
            return func(self, *args, **kwargs)
        except ApiInputError as error:
            raise ValidationError(str(error)) from None
        except (ValueError, TypeError, ArithmeticError, psycopg2.DataError) as error:
            _logger.warning("API %s: input refused", func.__name__, exc_info=True)
            raise ValidationError(
                self.env._(
                    "%(method)s: a value of the input cannot be stored (%(kind)s).",
                    method=func.__name__,
                    kind=type(error).__name__,
                )
            ) from None

    return wrapper


class CrmRetailApi(models.AbstractModel):
    _name = "crm.retail.api"
    _description = "Retail CRM Integration API"

    def browse(self, ids=()):
        """The API has no records: the methods Odoo gives every model that
        act on records (read, copy, export_data...) get a clear refusal over
        XML-RPC instead of a traceback."""
        if ids:
            raise ValidationError(
                self.env._("The Retail CRM API has no records: call its methods, not read.")
            )
        return super().browse(ids)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    @api.model
    def _check_api_access(self):
        if not self.env.user.has_group("crm_privacy_pdpo.group_retail_user"):
            raise AccessError(_("The Retail CRM API needs a Retail CRM role."))

    @api.model
    def _serialized(self, lock_keys, func):
        """Run ``func(api)`` in a transaction of its own, in READ COMMITTED,
        after taking transaction-level advisory locks on ``lock_keys``.

        Odoo's RPC transactions are REPEATABLE READ: two clients upserting the
        same customer conflict, and after five serialization failures the
        call fails. Here, calls on the same identities wait for each other
        and then see each other's committed work: no duplicates, no lost
        updates, no serialization errors. Tests (and HTTP test mode) run in
        the current transaction, which they roll back.
        """
        if config["test_enable"] or self.env.registry.in_test_mode():
            self._lock(lock_keys)
            return func(self)
        with self.env.registry.cursor() as cr:
            cr.execute(SQL("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
            api_model = self.with_env(self.env(cr=cr))
            api_model._lock(lock_keys)
            result = func(api_model)
            # the cursor commits when the block ends; the caller's
            # transaction has nothing of this call to commit
        return result

    @api.model
    def _call_once(self, idempotency_key, method, payload, compute, lock_keys=()):
        """``compute(api)`` serialized on ``lock_keys`` and on the idempotency
        key, returning the stored response when the key was used before."""
        keys = list(lock_keys)
        if idempotency_key:
            keys.append(f"idem:{self.env.uid}:{idempotency_key}")
        return self._serialized(
            keys,
            lambda api_model: api_model._idempotent(
                idempotency_key, method, payload, lambda: compute(api_model)
            ),
        )

    @api.model
    def _lock(self, lock_keys):
        """Transaction-level advisory locks on ``lock_keys``, hashed into
        ``LOCK_BUCKETS`` buckets taken in order (no deadlock): calls sharing
        a key wait for each other. A lock a key would fill PostgreSQL's
        shared lock table (64 x max_connections slots by default) with two
        batches of 1,000 customers ("out of shared memory" for everyone);
        buckets bound a transaction to ``LOCK_BUCKETS`` locks, at the price
        of the rare wait of two calls whose keys share a bucket."""
        keys = sorted({str(k) for k in lock_keys})
        if keys:
            self.env.cr.execute(
                SQL(
                    """
                    SELECT pg_advisory_xact_lock(%s, b)
                      FROM (SELECT DISTINCT (hashtextextended(key, 7140) & %s)::int AS b
                              FROM unnest(%s::text[]) AS key ORDER BY 1) locks
                    """,
                    LOCK_SPACE,
                    LOCK_BUCKETS - 1,
                    keys,
                )
            )

    @api.model
    def _idempotent(self, key, method, payload, compute):
        """Run ``compute()`` once per (user, key); return the stored response
        of the first call to later calls with the same key."""
        try:
            key = api_schema.check_key(key)
        except ApiInputError as error:
            raise ValidationError(str(error)) from None
        if not key:
            return compute()
        digest = hashlib.sha256(
            json.dumps(payload, sort_keys=True, default=str).encode()
        ).hexdigest()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_api_call (key, user_id, method, request_hash,
                                          create_uid, create_date, write_uid, write_date)
                VALUES (%(key)s, %(uid)s, %(method)s, %(hash)s, %(uid)s,
                        now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC')
                ON CONFLICT (user_id, key) DO NOTHING
                RETURNING id
                """,
                key=key,
                uid=self.env.uid,
                method=method,
                hash=digest,
            )
        )
        row = self.env.cr.fetchone()
        if not row:
            self.env.cr.execute(
                SQL(
                    "SELECT method, request_hash, response FROM crm_api_call "
                    "WHERE user_id = %s AND key = %s",
                    self.env.uid,
                    key,
                )
            )
            stored_method, stored_hash, response = self.env.cr.fetchone()
            if stored_method != method or stored_hash != digest:
                raise ValidationError(
                    _("This idempotency key was already used for another request.")
                )
            return json.loads(response)
        result = compute()
        self.env.cr.execute(
            SQL(
                "UPDATE crm_api_call SET response = %s WHERE id = %s",
                json.dumps(result, default=str),
                row[0],
            )
        )
        return result

    @api.model
    def _resolve_codes(self, model, codes, field="code"):
        """{code: id} for the codes that exist, one query (callers report the rest)."""
        codes = {c for c in codes if c}
        if not codes:
            return {}
        records = self.env[model].search_read([(field, "in", list(codes))], [field])
        found = {r[field]: r["id"] for r in records}
        return found

    @api.model
    def _readable_ids(self, model, ids):
        """The ids among ``ids`` that exist and that the caller may read:
        always one query, whether they exist or not, so that "unknown" and
        "not yours" cannot be told apart by their timing either."""
        Model = self.env[model].with_context(active_test=False)
        query = Model._search([])  # the caller's access rights and record rules
        query.add_where(SQL("%s = ANY(%s)", SQL.identifier(query.table, "id"), sorted(ids)))
        return {row[0] for row in self.env.execute_query(query.select())}

    @api.model
    def _default_branch_id(self, partner_branch_id=False):
        """The branch of a record the API creates without one.

        A branch-limited user never creates records without a branch (they
        would be every branch's): it gives its default branch, else the
        customer's branch when it is one of its own, else its only allowed
        branch; with several and no default the call is refused. Other users
        keep Odoo's default (none, or the customer's branch for orders).
        """
        user = self.env.user
        if not user.retail_branch_scoped:
            return False
        if user.retail_branch_id:
            return user.retail_branch_id.id
        allowed = user.retail_branch_ids
        if partner_branch_id and partner_branch_id in allowed.ids:
            return partner_branch_id
        if len(allowed) == 1:
            return allowed.id
        raise ValidationError(
            _(
                "Give a branch code ('branch'): you serve several branches "
                "(%(codes)s) and have no default branch.",
                codes=", ".join(allowed.mapped("code")),
            )
        )
