"""Customers over the integration API: create or update by membership
number, phone or e-mail (customer_upsert, customer_upsert_batch), and the
summary of one customer (customer_summary)."""

import contextlib

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..lib import api_schema
from ..lib.api_rpc import rpc_safe
from ..lib.api_schema import ApiInputError
from .crm_retail_api import CREATE_CONTEXT, api_method


# One file per concern of the API (see crm_retail_api.py).
class CrmRetailApi(models.AbstractModel):
    _inherit = "crm.retail.api"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Customers
    # ------------------------------------------------------------------
    @api.model
    @api_method
    def customer_upsert(self, customer, idempotency_key=None):
        """Create or update one customer, found by membership number, phone
        or email. Returns {"id", "membership_number", "created"}."""
        result = self.customer_upsert_batch(
            [customer], idempotency_key=idempotency_key, mode="atomic"
        )
        row = result["results"][0]
        return {k: row[k] for k in ("id", "membership_number", "created")}

    @api.model
    @api_method
    def customer_upsert_batch(self, customers, idempotency_key=None, mode="atomic"):
        """Create or update many customers (up to 5,000 per call).

        Returns {"created": n, "updated": n, "failed": n, "results": [
        {"index", "ok", "id", "membership_number", "created"} or
        {"index", "ok": False, "error"}]}.
        """
        self._check_api_access()
        self._check_customer_batch(customers, mode)
        return self._serialized(
            (),
            lambda api_model: api_model._customer_upsert_batch_here(
                customers, idempotency_key, mode
            ),
        )

    @api.model
    def _check_customer_batch(self, customers, mode):
        if mode not in ("atomic", "per_record"):
            raise ValidationError(_("mode must be 'atomic' or 'per_record'."))
        try:
            api_schema.check_batch(customers, "customers")
        except ApiInputError as error:
            raise ValidationError(str(error)) from None

    @api.model
    def _clean_payloads(self, customers):
        """[(values, refs) or the ApiInputError] of each customer, cleaned
        once for the locks and the batch."""
        cleaned = []
        for payload in customers:
            try:
                cleaned.append(api_schema.clean_customer(payload))
            except ApiInputError as error:
                cleaned.append(error)
        return cleaned

    @api.model
    def _customer_lock_keys(self, customers, cleaned=None):
        """The advisory-lock keys of a batch: the identities of its customers
        (calls on the same customers wait for each other)."""
        lock_keys = []
        for item in cleaned or self._clean_payloads(customers):
            if not isinstance(item, ApiInputError):  # else reported by the batch
                lock_keys += [f"{k}:{v}" for k, v in api_schema.identity_keys(item[0])]
        return lock_keys

    @api.model
    def _customer_upsert_batch_here(self, customers, idempotency_key=None, mode="atomic"):
        """``customer_upsert_batch`` in the current transaction (the caller
        owns it: the API's own READ COMMITTED cursor, or an import that
        commits each batch with its record): the batch checked, its
        identities and idempotency key locked, then written once per key."""
        self._check_customer_batch(customers, mode)
        cleaned = self._clean_payloads(customers)
        lock_keys = self._customer_lock_keys(customers, cleaned)
        if idempotency_key:
            lock_keys.append(f"idem:{self.env.uid}:{idempotency_key}")
        self._lock(lock_keys)
        return self._idempotent(
            idempotency_key,
            "customer_upsert_batch",
            [customers, mode],
            lambda: self._customer_upsert_batch(customers, mode, cleaned),
        )

    @api.model
    def _customer_upsert_batch(self, customers, mode, cleaned=None):
        results = [None] * len(customers)
        cleaned = self._clean_customers(customers, results, mode, cleaned)
        prepared = self._resolve_customer_references(cleaned, results, mode)
        to_create, to_update, claimed = self._plan_upserts(prepared)
        created_ids = self._create_customers(to_create, claimed, results, mode)
        self._update_customers(to_update, to_create, created_ids, results, mode)
        if created_ids:
            self._refresh_statistics(len(created_ids))
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
    def _clean_customers(self, customers, results, mode, cleaned=None):
        """[(index, values, refs)] of the valid customers (``cleaned``: what
        ``_clean_payloads`` made of them already)."""
        valid = []
        for index, item in enumerate(cleaned or self._clean_payloads(customers)):
            if isinstance(item, ApiInputError):
                results[index] = {"index": index, "ok": False, "error": str(item)}
            else:
                valid.append((index, *item))
        self._reject(results, mode)
        return valid

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
        Partner = self.env["res.partner"].with_context(**CREATE_CONTEXT)
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
        self._record_identities(
            {key: created_ids.get(to_create[slot[1]][0]) for key, slot in claimed.items()}
        )
        for index, partner_id in created_ids.items():
            results[index] = {"index": index, "ok": True, "id": partner_id, "created": True}
        return created_ids

    @api.model
    def _record_identities(self, key_to_partner):
        """Record the identity keys of the customers a batch created, in
        one statement once they exist.

        The batch holds the advisory locks of these keys (``_lock``) until
        its transaction ends: another upsert or till enrolment of the same
        customer waits for it, then finds the customer. No claim is needed
        before the creation (a key of a customer that could not be created
        is not recorded at all); a key recorded before (a customer the
        caller cannot see, an older claim) points to the new customer, as the
        claim and registration of ``_claim_identities`` and
        ``_register_identities`` (the till's way) leave it."""
        pairs = sorted(
            (f"{kind}:{value}", pid) for (kind, value), pid in key_to_partner.items() if pid
        )
        if not pairs:
            return
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_customer_identity (key, partner_id)
                SELECT key, partner_id FROM unnest(%s::varchar[], %s::int[]) AS v(key, partner_id)
                ON CONFLICT (key) DO UPDATE SET partner_id = EXCLUDED.partner_id
                """,
                [key for key, _pid in pairs],
                [pid for _key, pid in pairs],
            )
        )

    @api.model
    def _update_customers(self, to_update, to_create, created_ids, results, mode):
        """Write what changed, one write per distinct set of new values.

        A resent profile (the usual case for an e-shop or POS sync) changes
        nothing and writes nothing; records that change the same fields to
        the same values (a new tier, channel or branch) share one write, so
        that Odoo's dependency tracking runs once for all of them.
        """
        Partner = self.env["res.partner"].with_context(**CREATE_CONTEXT)
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
        partners.fetch(
            list(
                {"is_retail_customer"}
                | {fname for rows in wanted.values() for _i, v in rows for fname in v}
            )
        )
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
        """The part of ``vals`` that differs from what ``partner`` holds,
        compared as ``write`` would store it: a phone resent as "9123-4567"
        is the "+852 9123 4567" stored, not a change.

        The records of a batch share one prefetch, so reading the first one
        reads the fields of all of them in one query."""
        stored = vals
        if partner.is_retail_customer or vals.get("is_retail_customer"):
            # a value it refuses is compared raw: write() says what is wrong
            with contextlib.suppress(ValidationError):
                stored = partner._crm_clean_contact_values(vals)
        diff = {}
        for fname, value in vals.items():
            field = partner._fields[fname]
            try:
                new = field.convert_to_cache(stored[fname], partner)
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
        # checks the caller's rights like read, without the charge of read).
        # Those it created hold what the call gave them, in the cache since
        # their creation: only the updated ones are fetched.
        partners = self.env["res.partner"].browse(ids)
        partners.browse(r["id"] for r in results if r and r.get("ok") and not r["created"]).fetch(
            ["membership_number"]
        )
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
    @api_method
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
        return rpc_safe(summary)
