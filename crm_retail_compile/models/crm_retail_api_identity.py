"""Customers of the integration API found by their identity: membership
number, phone or e-mail (expression indexes of res_partner and the claims of
crm_customer_identity), and the customer references of every resource."""

from odoo import _, api, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..lib import api_schema, pg_settings
from ..lib.api_schema import ApiInputError
from .crm_retail_api import UnknownRecordError

REF_KEYS = ("membership_number", "phone", "email")  # a customer reference


# One file per concern of the API (see crm_retail_api.py).
class CrmRetailApi(models.AbstractModel):
    _inherit = "crm.retail.api"  # pylint: disable=consider-merging-classes-inherited

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
        # Each key is one index probe whatever PostgreSQL knows of the table.
        # The expression indexes are partial, so ANALYZE gives the planner no
        # statistics of their expressions: it assumes 0.5 % of the customers
        # match each key, and on a table it believes small or whose rows sit
        # in few pages (a new database, a fresh import) it scans the whole
        # table once per key: 28 s for 1,000 e-mails on 12,000 customers.
        # Without sequential scans the probes are the only plan left. The
        # estimates are also high enough for JIT to compile the plan, which
        # takes longer (1.5 s) than running it (5 ms).
        with pg_settings.local_settings(self.env.cr, jit="off", enable_seqscan="off"):
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
