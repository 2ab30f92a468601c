from odoo import fields, models
from odoo.tools import SQL

from ..lib import data_quality as dq


class CrmCustomerIdentity(models.Model):
    """Customer identities (membership number, phone, email) recorded by
    the integration API and the till.

    Calls that may create the same customer take advisory locks on its
    keys (``crm.retail.api._lock``) for their whole transaction: the API's
    batch records the keys of the customers it created once they exist
    (``_record_identities``), and a concurrent upsert or till enrolment of
    the same customer waits, then finds it. The till claims its keys before
    creating (``_claim_identities``): the unique key makes a second claim
    wait, then fail with a serialization error that Odoo's RPC layer
    retries. So parallel clients never create duplicates.
    """

    _name = "crm.customer.identity"
    _description = "Customer Identity Claim"
    _log_access = False

    key = fields.Char(required=True)  # indexed by its unique constraint
    partner_id = fields.Many2one("res.partner", ondelete="cascade", index=True)

    _sql_constraints = [("key_uniq", "unique(key)", "This identity is already claimed.")]

    def init(self):
        # phone and email lookups of the API use these expressions; partners
        # written by SQL imports (the data generator) are found the same way
        cr = self.env.cr
        # the phone key of lib.data_quality.phone_key, generated from its
        # constants (a test compares both on a table of formats)
        cr.execute(
            SQL(
                "CREATE OR REPLACE FUNCTION crm_phone_key(text) RETURNS text "
                "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %s",
                dq.phone_key_sql_body(),
            )
        )
        cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS res_partner_crm_phone_key_idx "
                "ON res_partner (crm_phone_key(phone)) WHERE phone IS NOT NULL"
            )
        )
        cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS res_partner_crm_mobile_key_idx "
                "ON res_partner (crm_phone_key(mobile)) WHERE mobile IS NOT NULL"
            )
        )
        cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS res_partner_crm_email_key_idx "
                "ON res_partner (lower(trim(email))) WHERE email IS NOT NULL"
            )
        )
