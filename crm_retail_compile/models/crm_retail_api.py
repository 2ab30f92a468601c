"""The XML-RPC integration surface for the e-shop, POS and call centre.

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

Every public method is wrapped by ``_api_method``: arguments the method does
not take, and values that Python or PostgreSQL cannot hold, get a
ValidationError, never a traceback. Customers and report runs looked up by
key or id answer the same "unknown" whether they do not exist or the caller
may not read them (no existence oracle).
"""

import base64
import functools
import hashlib
import inspect
import json
import logging

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, config

from ..lib import api_schema, pg_settings
from ..lib.api_schema import ApiInputError

_CREATE_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}


_logger = logging.getLogger(__name__)

REF_KEYS = ("membership_number", "phone", "email")  # a customer reference


class UnknownRecordError(ValidationError, AccessError):
    """A record looked up by the API that does not exist or that the caller
    may not read: one answer for both, so that a caller cannot tell them
    apart (it is a ValidationError for a bad reference and an AccessError
    for another branch's record, as clients of either expect)."""


def _api_method(func):
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


def _rpc_safe(value):
    """XML-RPC has no None and only string keys."""
    if value is None:
        return False
    if isinstance(value, dict):
        return {str(k): _rpc_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rpc_safe(v) for v in value]
    if isinstance(value, int | float | str | bool):
        return value
    return str(value)


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
        keys = sorted({str(k) for k in lock_keys})
        if keys:
            self.env.cr.execute(
                SQL(
                    """
                    SELECT pg_advisory_xact_lock(k)
                      FROM (SELECT DISTINCT hashtextextended(key, 7140) AS k
                              FROM unnest(%s::text[]) AS key ORDER BY 1) locks
                    """,
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
    def _find_customers(self, keys):
        """{(kind, value): partner_id} for existing customers the caller may
        read, two queries.

        Each key is looked up through its index: a LATERAL subquery per key,
        kept from being flattened into a join by ``OFFSET 0``. With
        ``= ANY(array)`` or a join, PostgreSQL misjudges how many customers
        match the expression indexes and scans the whole table (80 ms for
        1,000 e-mails on 50,000 customers, over a second on a million).

        Customers of branches the caller cannot read are not found: an
        upsert from a branch-limited system creates its branch's own
        customer rather than answering "not yours" (which would tell it
        that another branch knows that phone or e-mail).
        """
        rows = self._find_customer_rows_by_keys(keys)
        visible = self._readable_ids("res.partner", {partner_id for *_key, partner_id in rows})
        found = {}
        for kind, value, partner_id in rows:
            if partner_id in visible:
                found.setdefault((kind, value), partner_id)  # the oldest customer wins
        return found

    @api.model
    def _find_customer_rows_by_keys(self, keys):
        """[(kind, value, partner_id)] of every customer matching ``keys``
        (whatever the caller may read), oldest first."""
        by_kind = {"membership": [], "phone": [], "email": []}
        for kind, value in keys:
            by_kind[kind].append(value)
        if not any(by_kind.values()):
            return []
        self.env["res.partner"].flush_model(["membership_number", "phone", "mobile", "email"])
        # the estimates of the expression indexes are high enough for JIT to
        # compile the plan, which takes longer (1.5 s) than running it (5 ms)
        with pg_settings.local_settings(self.env.cr, jit="off"):
            return self._find_customer_rows(by_kind, keys)

    @api.model
    def _find_customer_rows(self, by_kind, keys):
        return self.env.execute_query(
            SQL(
                """
                SELECT 'membership', k.v, p.id
                  FROM unnest(%(m)s::text[]) AS k(v), LATERAL (
                       SELECT id FROM res_partner WHERE membership_number = k.v OFFSET 0) p
                UNION ALL
                SELECT 'phone', k.v, p.id
                  FROM unnest(%(p)s::text[]) AS k(v), LATERAL (
                       SELECT id FROM res_partner
                        WHERE phone IS NOT NULL AND crm_phone_key(phone) = k.v
                          AND is_retail_customer
                       UNION ALL
                       SELECT id FROM res_partner
                        WHERE mobile IS NOT NULL AND crm_phone_key(mobile) = k.v
                          AND is_retail_customer OFFSET 0) p
                UNION ALL
                SELECT 'email', k.v, p.id
                  FROM unnest(%(e)s::text[]) AS k(v), LATERAL (
                       SELECT id FROM res_partner
                        WHERE email IS NOT NULL AND lower(trim(email)) = k.v
                          AND is_retail_customer OFFSET 0) p
                UNION ALL
                SELECT split_part(k.v, ':', 1), substr(k.v, strpos(k.v, ':') + 1), i.partner_id
                  FROM unnest(%(k)s::text[]) AS k(v), LATERAL (
                       SELECT partner_id FROM crm_customer_identity
                        WHERE key = k.v AND partner_id IS NOT NULL OFFSET 0) i
                ORDER BY 3
                """,
                m=by_kind["membership"],
                p=by_kind["phone"],
                e=by_kind["email"],
                k=[f"{kind}:{value}" for kind, value in keys],
            )
        )

    @api.model
    def _claim_identities(self, keys):
        """Claim identity keys of customers about to be created. A concurrent
        transaction claiming the same key makes this one fail with a
        serialization error, which the RPC layer retries."""
        if not keys:
            return {}
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_customer_identity (key)
                SELECT unnest(%s::varchar[])
                ON CONFLICT (key) DO NOTHING
                """,
                [f"{kind}:{value}" for kind, value in keys],
            )
        )
        return True

    @api.model
    def _customer_ref(self, ref):
        """A customer from an id or a {membership_number|phone|email} struct."""
        return self._customer_refs([ref])[0]

    @api.model
    def _customer_refs(self, refs):
        """The customers of ``refs`` (ids or {membership_number|phone|email}
        structs), in order: one lookup for all the structs, one for all the
        ids and one access check, however long the batch."""
        Partner = self.env["res.partner"]
        identity_keys = {}  # position of a struct -> its keys, strongest first
        for position, ref in enumerate(refs):
            if isinstance(ref, int) and not isinstance(ref, bool):
                continue
            if not isinstance(ref, dict):
                raise ValidationError(
                    _("A customer is given by its id or by membership_number, phone or email.")
                )
            try:
                api_schema.check_keys(ref, REF_KEYS, "customer reference")
                values, _refs = api_schema.clean_customer(ref)
            except ApiInputError as error:
                raise ValidationError(_("Customer reference: %(error)s", error=error)) from None
            identity_keys[position] = api_schema.identity_keys(values)
        rows = self._find_customer_rows_by_keys(
            [k for keys in identity_keys.values() for k in keys]
        )
        candidates = {i for i in refs if isinstance(i, int) and not isinstance(i, bool)}
        candidates.update(partner_id for _kind, _value, partner_id in rows)
        visible = self._readable_ids("res.partner", candidates)
        found = {}
        for kind, value, partner_id in rows:
            if partner_id in visible:
                found.setdefault((kind, value), partner_id)  # the oldest customer wins
        ids = [
            next((found[k] for k in identity_keys[position] if k in found), None)
            if position in identity_keys
            else ref
            for position, ref in enumerate(refs)
        ]
        for ref, partner_id in zip(refs, ids, strict=True):
            if partner_id not in visible:
                # the same answer for no such customer and another branch's
                raise UnknownRecordError(_("Unknown customer: %(ref)s", ref=str(ref)[:100]))
        return [Partner.browse(partner_id) for partner_id in ids]

    @api.model
    def _readable_ids(self, model, ids):
        """The ids among ``ids`` that exist and that the caller may read:
        always one query, whether they exist or not, so that "unknown" and
        "not yours" cannot be told apart by their timing either."""
        Model = self.env[model].with_context(active_test=False)
        query = Model._search([])  # the caller's access rights and record rules
        query.add_where(SQL("%s = ANY(%s)", SQL.identifier(query.table, "id"), sorted(ids)))
        return {row[0] for row in self.env.execute_query(query.select())}

    # ------------------------------------------------------------------
    # Customers
    # ------------------------------------------------------------------
    @api.model
    @_api_method
    def customer_upsert(self, customer, idempotency_key=None):
        """Create or update one customer, found by membership number, phone
        or email. Returns {"id", "membership_number", "created"}."""
        result = self.customer_upsert_batch(
            [customer], idempotency_key=idempotency_key, mode="atomic"
        )
        row = result["results"][0]
        return {k: row[k] for k in ("id", "membership_number", "created")}

    @api.model
    @_api_method
    def customer_upsert_batch(self, customers, idempotency_key=None, mode="atomic"):
        """Create or update many customers (up to 5,000 per call).

        Returns {"created": n, "updated": n, "failed": n, "results": [
        {"index", "ok", "id", "membership_number", "created"} or
        {"index", "ok": False, "error"}]}.
        """
        self._check_api_access()
        if mode not in ("atomic", "per_record"):
            raise ValidationError(_("mode must be 'atomic' or 'per_record'."))
        try:
            api_schema.check_batch(customers, "customers")
        except ApiInputError as error:
            raise ValidationError(str(error)) from None
        lock_keys = []
        for payload in customers:
            try:
                values, _refs = api_schema.clean_customer(payload)
            except ApiInputError:
                continue  # reported by the batch itself
            lock_keys += [f"{k}:{v}" for k, v in api_schema.identity_keys(values)]
        return self._call_once(
            idempotency_key,
            "customer_upsert_batch",
            [customers, mode],
            lambda api_model: api_model._customer_upsert_batch(customers, mode),
            lock_keys=lock_keys,
        )

    @api.model
    def _customer_upsert_batch(self, customers, mode):
        results = [None] * len(customers)
        cleaned = self._clean_customers(customers, results, mode)
        prepared = self._resolve_customer_references(cleaned, results, mode)
        to_create, to_update, claimed = self._plan_upserts(prepared)
        self._claim_identities(list(claimed))
        created_ids = self._create_customers(to_create, claimed, results, mode)
        self._update_customers(to_update, to_create, created_ids, results, mode)
        return self._upsert_response(results)

    @api.model
    def _reject(self, results, mode, errors=None):
        """In atomic mode, the first error rejects the batch."""
        errors = errors if errors is not None else [r for r in results if r]
        if errors and mode == "atomic":
            raise ValidationError(
                _(
                    "%(count)s of %(total)s customers rejected, nothing was written. "
                    "First: record %(index)s: %(error)s",
                    count=len(errors),
                    total=len(results),
                    index=errors[0]["index"],
                    error=errors[0]["error"],
                )
            )

    @api.model
    def _clean_customers(self, customers, results, mode):
        cleaned = []
        for index, payload in enumerate(customers):
            try:
                values, refs = api_schema.clean_customer(payload)
                cleaned.append((index, values, refs))
            except ApiInputError as error:
                results[index] = {"index": index, "ok": False, "error": str(error)}
        self._reject(results, mode)
        return cleaned

    @api.model
    def _resolve_customer_references(self, cleaned, results, mode):
        """Codes to ids, one query per kind; unknown interests are created."""
        codes = {"district": set(), "tier": set(), "branch": set()}
        names = set()
        for _index, _values, refs in cleaned:
            for key, found in codes.items():
                if refs.get(key):
                    found.add(refs[key])
            names.update(refs.get("interests", ()))
        tables = {
            "district": self._resolve_codes("crm.hk.district", codes["district"]),
            "tier": self._resolve_codes("crm.membership.tier", codes["tier"]),
            "branch": self._resolve_codes("crm.retail.branch", codes["branch"]),
        }
        interests = self._resolve_codes("crm.retail.interest", names, "name")
        missing = names - set(interests)
        if missing:
            new = self.env["crm.retail.interest"].create([{"name": n} for n in sorted(missing)])
            interests.update({r.name: r.id for r in new})
        targets = {
            "district": "district_id",
            "tier": "membership_tier_id",
            "branch": "retail_branch_id",
        }
        prepared = []
        for index, values, refs in cleaned:
            unknown = [key for key in tables if refs.get(key) and refs[key] not in tables[key]]
            if unknown:
                key = unknown[0]
                results[index] = {
                    "index": index,
                    "ok": False,
                    "error": f"unknown {key} code {refs[key]!r}",
                }
                continue
            for key, field in targets.items():
                if key in refs:
                    values[field] = tables[key].get(refs[key], False)
            if "interests" in refs:
                values["interest_ids"] = [(6, 0, [interests[n] for n in refs["interests"]])]
            prepared.append((index, values))
        self._reject(results, mode)
        return prepared

    @api.model
    def _plan_upserts(self, prepared):
        """Split the records into creations and updates; a new customer that
        appears twice in the batch is created once and then updated."""
        keys = [k for _index, values in prepared for k in api_schema.identity_keys(values)]
        found = self._find_customers(keys)
        to_create, to_update, claimed = [], [], {}
        for index, values in prepared:
            record_keys = api_schema.identity_keys(values)
            target = next((found[k] for k in record_keys if k in found), None)
            if target is None:
                target = next((claimed[k] for k in record_keys if k in claimed), None)
            if target is None:
                slot = ("new", len(to_create))
                claimed.update(dict.fromkeys(record_keys, slot))
                to_create.append((index, values))
            else:
                to_update.append((index, target, values))
        return to_create, to_update, claimed

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

    @api.model
    def _branch_new_customers(self, to_create, results, mode):
        """Give the new customers without a branch the caller's default one
        (``_default_branch_id``); returns the indexes refused (per-record
        mode; in atomic mode a refusal rejects the batch)."""
        missing = [values for _index, values in to_create if not values.get("retail_branch_id")]
        if not missing:
            return set()
        try:
            branch_id = self._default_branch_id()
        except ValidationError as error:
            if mode == "atomic":
                raise
            refused = {index for index, values in to_create if not values.get("retail_branch_id")}
            for index in refused:
                results[index] = {"index": index, "ok": False, "error": str(error)}
            return refused
        for values in missing:
            if branch_id:
                values["retail_branch_id"] = branch_id
            else:
                values.pop("retail_branch_id", None)  # Odoo's default
        return set()

    @api.model
    def _create_customers(self, to_create, claimed, results, mode):
        if not to_create:
            return {}
        refused = self._branch_new_customers(to_create, results, mode)
        items = [(index, values) for index, values in to_create if index not in refused]
        if not items:
            return {}
        Partner = self.env["res.partner"].with_context(**_CREATE_CONTEXT)
        create_vals = []
        for _index, values in items:
            vals = dict(values, is_retail_customer=True)
            vals.setdefault(
                "name",
                values.get("email")
                or values.get("phone")
                or values.get("mobile")
                or values.get("membership_number"),
            )
            create_vals.append(vals)
        Partner, create_vals = self._batch_create_values(Partner, create_vals)
        indexes = [index for index, _values in items]
        if mode == "per_record":
            done, failed = self._isolate_failures(
                list(zip(indexes, create_vals, strict=True)),
                lambda chunk: dict(
                    zip(
                        [index for index, _vals in chunk],
                        Partner.create([vals for _index, vals in chunk]).ids,
                        strict=True,
                    )
                ),
            )
            created_ids = {index: pid for chunk in done for index, pid in chunk.items()}
            for (index, _vals), error in failed:
                results[index] = {"index": index, "ok": False, "error": str(error)}
        else:
            partners = Partner.create(create_vals)
            created_ids = dict(zip(indexes, partners.ids, strict=True))
        self._register_identities(
            {key: created_ids.get(to_create[slot[1]][0]) for key, slot in claimed.items()}
        )
        for index, partner_id in created_ids.items():
            results[index] = {"index": index, "ok": True, "id": partner_id, "created": True}
        return created_ids

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

    @api.model
    def _update_customers(self, to_update, to_create, created_ids, results, mode):
        """Write what changed, one write per distinct set of new values.

        A resent profile (the usual case for an e-shop or POS sync) changes
        nothing and writes nothing; records that change the same fields to
        the same values (a new tier, channel or branch) share one write, so
        that Odoo's dependency tracking runs once for all of them.
        """
        Partner = self.env["res.partner"].with_context(**_CREATE_CONTEXT)
        wanted = {}  # partner id -> [(index, vals)]
        for index, target, values in to_update:
            if isinstance(target, tuple):  # a customer created earlier in this batch
                target = created_ids.get(to_create[target[1]][0])
                if not target:
                    results[index] = {
                        "index": index,
                        "ok": False,
                        "error": "its duplicate in this batch failed",
                    }
                    continue
            # an upsert completes a profile: empty values never erase known data
            vals = {k: v for k, v in values.items() if v is not False}
            wanted.setdefault(target, []).append((index, vals))
        owner = {index: pid for pid, rows in wanted.items() for index, _vals in rows}
        # one recordset: reading the first record reads the fields of all
        partners = Partner.browse(list(wanted))
        partners.fetch(list({fname for rows in wanted.values() for _i, v in rows for fname in v}))
        groups = {}  # frozen values -> (vals, [partner ids], [indexes])
        for partner in partners:
            merged = {}
            for _index, vals in wanted[partner.id]:  # later records of the batch win
                merged.update(vals)
            diff = self._changed_values(partner, merged)
            key = tuple(sorted((fname, repr(value)) for fname, value in diff.items()))
            group = groups.setdefault(key, (diff, [], []))
            group[1].append(partner.id)
            group[2].extend(index for index, _vals in wanted[partner.id])
        for diff, partner_ids, indexes in groups.values():
            failed = {}
            if diff:
                # keep the prefetch of the whole batch: what a write reads of
                # one customer (children, leads...) is read for all at once
                group = Partner.browse(partner_ids).with_prefetch(partners._prefetch_ids)
                failed = self._write_group(group, diff, wanted, mode)
            for index in indexes:
                results[index] = failed.get(index) or {
                    "index": index,
                    "ok": True,
                    "id": owner[index],
                    "created": False,
                }

    @api.model
    def _changed_values(self, partner, vals):
        """The part of ``vals`` that differs from what ``partner`` holds.

        The records of a batch share one prefetch, so reading the first one
        reads the fields of all of them in one query."""
        diff = {}
        for fname, value in vals.items():
            field = partner._fields[fname]
            try:
                new = field.convert_to_cache(value, partner)
            except (ValueError, TypeError):
                diff[fname] = value  # let write() say what is wrong with it
                continue
            old = field.convert_to_cache(partner[fname], partner, validate=False)
            if field.type in ("many2many", "one2many"):
                changed = set(new or ()) != set(old or ())
            else:
                changed = new != old
            if changed:
                diff[fname] = value
        return diff

    @api.model
    def _write_group(self, partners, vals, wanted, mode):
        """Write ``vals`` on ``partners``; {index: error row} of the failures
        (per-record mode: a refused record does not fail the others)."""
        if mode == "atomic":
            partners.write(vals)
            return {}
        _done, failed = self._isolate_failures(
            partners.ids,
            lambda chunk: partners.browse(chunk).with_prefetch(partners._prefetch_ids).write(vals),
        )
        return {
            index: {"index": index, "ok": False, "error": str(error)}
            for partner_id, error in failed
            for index, _vals in wanted[partner_id]
        }

    @api.model
    def _upsert_response(self, results):
        ids = [r["id"] for r in results if r and r.get("ok")]
        # the numbers of the customers the call just wrote: part of the write,
        # not a read of personal data charged to the export budget (fetch
        # checks the caller's rights like read, without the charge of read)
        partners = self.env["res.partner"].browse(ids)
        partners.fetch(["membership_number"])
        numbers = {partner.id: partner.membership_number for partner in partners}
        results = [
            r or {"index": i, "ok": False, "error": "not processed"} for i, r in enumerate(results)
        ]
        for row in results:
            if row["ok"]:
                row["membership_number"] = numbers.get(row["id"]) or False
        return {
            "created": sum(1 for r in results if r["ok"] and r["created"]),
            "updated": sum(1 for r in results if r["ok"] and not r["created"]),
            "failed": sum(1 for r in results if not r["ok"]),
            "results": results,
        }

    @api.model
    def _register_identities(self, key_to_partner):
        pairs = [(f"{k[0]}:{k[1]}", pid) for k, pid in key_to_partner.items() if pid]
        if not pairs:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_customer_identity i SET partner_id = v.partner_id
                  FROM unnest(%s::varchar[], %s::int[]) AS v(key, partner_id)
                 WHERE i.key = v.key
                """,
                [p[0] for p in pairs],
                [p[1] for p in pairs],
            )
        )

    @api.model
    @_api_method
    def customer_summary(self, customer):
        """Profile, segment, profit, consent status and open data-quality
        issues of one customer, as far as the caller may see them."""
        self._check_api_access()
        partner = self._customer_ref(customer)
        classification = self.env["crm.privacy.field.classification"]
        wanted = [
            "name",
            "membership_number",
            "membership_tier_id",
            "retail_branch_id",
            "district_id",
            "retail_channel",
            "residency",
            "preferred_language",
            "preferred_contact_channel",
            "phone",
            "mobile",
            "email",
            "birthday_day",
            "birthday_month",
            "enrolment_date",
            "last_online_visit",
        ]
        visible = classification._get_visible_fields("res.partner", wanted)
        profile = partner.read(visible)[0]
        # a summary takes one customer's personal data out of the system:
        # charged to the caller's export budget like any other path
        self.env["crm.privacy.export.log"]._charge(
            "res.partner", partner.ids, visible, kind="api", purpose=_("Customer summary")
        )
        summary = {"id": partner.id, "profile": profile}
        for fname in ("rfm_segment", "dq_score"):
            if fname in partner._fields:
                summary[fname] = partner[fname]
        Profit = self.env["crm.customer.profit"]
        if Profit.has_access("read"):
            since = fields.Date.subtract(fields.Date.context_today(self), months=12)
            rows = Profit._read_group(
                [("partner_id", "=", partner.id), ("month", ">=", since)],
                [],
                ["revenue:sum", "profit:sum", "order_count:sum"],
            )
            revenue, profit, orders = rows[0]
            summary["profit_12_months"] = {"revenue": revenue, "profit": profit, "orders": orders}
        summary["consents"] = partner._crm_consent_status().get(partner.id, [])
        Issue = self.env.get("crm.dq.issue")
        if Issue is not None and Issue.has_access("read"):
            summary["open_issues"] = Issue.search_count(
                [("partner_id", "=", partner.id), ("state", "=", "open")]
            )
        return _rpc_safe(summary)

    # ------------------------------------------------------------------
    # Online activity and orders
    # ------------------------------------------------------------------
    @api.model
    @_api_method
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

    @api.model
    @_api_method
    def order_record(self, order, idempotency_key=None):
        """Record an order from the e-shop or POS: {"external_ref", "customer":
        ref, "branch": code, "date": ISO, "confirm": bool, "lines": [{"product":
        default_code, "qty": n, "price_unit": x, "discount": pct}]}. The same
        external_ref never creates a second order."""
        self._check_api_access()
        if not isinstance(order, dict):
            raise ValidationError(_("An order must be a struct."))
        ref = order.get("external_ref")
        return self._call_once(
            idempotency_key,
            "order_record",
            order,
            lambda api_model: api_model._order_record(order),
            # references are unique per company: calls with the same one wait
            # for each other, whoever the caller
            lock_keys=[f"order:{self.env.company.id}:{ref}"] if isinstance(ref, str) else [],
        )

    @api.model
    def _find_api_order(self, ref):
        """The id of the order the API recorded with ``ref`` in the current
        company, whoever recorded it (the references are unique per company:
        a unique index of sale_order)."""
        self.env["sale.order"].flush_model(["client_order_ref", "origin", "company_id"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM sale_order WHERE client_order_ref = %s "
                "AND origin = 'crm_retail_api' AND company_id = %s",
                ref,
                self.env.company.id,
            )
        )
        return rows[0][0] if rows else None

    @api.model
    def _order_record(self, order):
        try:
            cleaned = api_schema.clean_order(order)
        except ApiInputError as error:
            raise ValidationError(str(error)) from None
        ref = cleaned["external_ref"]
        SaleOrder = self.env["sale.order"]
        existing_id = self._find_api_order(ref)
        if existing_id:
            # a resent reference returns the first order (as for a retry),
            # to whichever integration user sent it, if it may read it
            if existing_id not in self._readable_ids("sale.order", [existing_id]):
                raise ValidationError(
                    _(
                        "The external reference %(ref)s is already used by another order.",
                        ref=ref,
                    )
                )
            existing = SaleOrder.browse(existing_id)
            return {
                "id": existing.id,
                "name": existing.name,
                "created": False,
                "state": existing.state,
                "amount_untaxed": existing.amount_untaxed,
            }
        partner = self._customer_ref(order.get("customer"))
        lines = cleaned["lines"]
        line_vals = []
        for index, line in enumerate(lines):
            try:
                line_vals.append(api_schema.clean_order_line(line))
            except ApiInputError as error:
                raise ValidationError(
                    _("Line %(index)s: %(error)s", index=index, error=error)
                ) from None
        products = self._resolve_codes(
            "product.product", {line["product"] for line in lines}, "default_code"
        )
        for index, (line, vals) in enumerate(zip(lines, line_vals, strict=True)):
            if line["product"] not in products:
                raise ValidationError(
                    _(
                        "Line %(index)s: unknown product %(code)s",
                        index=index,
                        code=repr(line["product"]),
                    )
                )
            vals["product_id"] = products[line["product"]]
        vals = {
            "partner_id": partner.id,
            "client_order_ref": ref,
            "origin": "crm_retail_api",
            "order_line": [fields.Command.create(vals) for vals in line_vals],
        }
        if cleaned["branch"]:
            branches = self._resolve_codes("crm.retail.branch", [cleaned["branch"]])
            if cleaned["branch"] not in branches:
                raise ValidationError(_("Unknown branch code %(code)s.", code=cleaned["branch"]))
            vals["retail_branch_id"] = branches[cleaned["branch"]]
        else:
            branch_id = self._default_branch_id(partner.retail_branch_id.id)
            if branch_id:
                vals["retail_branch_id"] = branch_id
        if cleaned["date"]:
            vals["date_order"] = cleaned["date"]
        sale = SaleOrder.with_context(**_CREATE_CONTEXT).create(vals)
        if cleaned["confirm"]:
            sale.action_confirm()
        return {
            "id": sale.id,
            "name": sale.name,
            "created": True,
            "state": sale.state,
            "amount_untaxed": sale.amount_untaxed,
        }

    # ------------------------------------------------------------------
    # Consent
    # ------------------------------------------------------------------
    @api.model
    @_api_method
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

    # ------------------------------------------------------------------
    # Reports
    # ------------------------------------------------------------------
    @api.model
    @_api_method
    def report_run(self, template_code, date_from=None, date_to=None, branch_codes=None):
        """Compile a department report the caller may run; returns {"run_id",
        "state", "row_count"}. Customer-level reports are queued."""
        self._check_api_access()
        args = api_schema.clean_report_args(template_code, date_from, date_to, branch_codes)
        template = self.env["crm.report.template"].search(
            [("code", "=", args["template_code"])], limit=1
        )
        if not template:
            raise UnknownRecordError(
                _(
                    "Unknown report template %(code)s (or not for your department).",
                    code=args["template_code"],
                )
            )
        start, end = args["date_from"], args["date_to"]
        codes = set(args["branch_codes"])
        branches = self.env["crm.retail.branch"]
        if codes:
            branches = branches.search([("code", "in", list(codes))])
            if len(branches) != len(codes):
                raise ValidationError(
                    _(
                        "Unknown branch code in branch_codes: %(codes)s.",
                        codes=", ".join(sorted(codes - set(branches.mapped("code")))),
                    )
                )
        run = self.env["crm.report.run"]._create_for_template(
            template,
            date_from=start and start.date(),
            date_to=end and end.date(),
            branches=branches,
        )
        run.action_run()
        return {
            "run_id": run.id,
            "state": run.state,
            "row_count": run.row_count,
            "error": run.error or False,
        }

    @api.model
    @_api_method
    def report_fetch(self, run_id, fmt="xlsx"):
        """The file of a finished run: {"name", "mimetype", "checksum",
        "data" (base64)}. The download is logged (PDPO export log)."""
        self._check_api_access()
        if isinstance(run_id, bool) or not isinstance(run_id, int):
            raise ValidationError(_("run_id must be an integer."))
        if not isinstance(fmt, str) or fmt not in ("xlsx", "pdf", "csv"):
            raise ValidationError(_("fmt must be one of xlsx, pdf, csv."))
        if run_id not in self._readable_ids("crm.report.run", [run_id]):
            # the same answer for no such run and another department's
            raise UnknownRecordError(_("Unknown report run %(id)s.", id=run_id))
        run = self.env["crm.report.run"].browse(run_id)
        if run.state != "done":
            raise UserError(_("The report run is %(state)s.", state=run.state))
        attachment = run._get_output(fmt)
        return {
            "name": attachment.name,
            "mimetype": attachment.mimetype,
            "checksum": run.checksum
            if fmt == "xlsx"
            else hashlib.sha256(attachment.raw).hexdigest(),
            "data": base64.b64encode(attachment.raw).decode(),
        }
