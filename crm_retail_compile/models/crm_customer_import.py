"""A customer import: a file brought in through the import dialog of the
customer list or ``setup/import_customers.py``, with its counts, its rejected
rows and the data-quality scan of the customers it wrote.

Both paths write customers through the integration API's upsert
(``crm.retail.api._customer_upsert_batch_here``): the same validation, the same
matching (membership number, then phone in any Hong Kong format, then
e-mail), the same rule that empty values never erase known data, the same
branch of new customers. This model only records what happened.
"""

import hashlib
import time

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..lib import customer_import_template

# Rejected rows kept on the import (the counts are always complete)
MAX_ERROR_LINES = 2000
# Groups that write customers, as for the API (analysts only read them)
IMPORT_GROUPS = (
    "crm_retail_compile.group_branch_staff",
    "crm_retail_compile.group_integration",
    "crm_retail_compile.group_retail_admin",
)


class CrmCustomerImport(models.Model):
    _name = "crm.customer.import"
    _inherit = ["crm.branch.mixin"]
    _description = "Customer Import"
    _order = "id desc"

    name = fields.Char(string="File", readonly=True, crm_system=True)
    user_id = fields.Many2one(
        "res.users", string="Imported By", readonly=True, index=True, crm_system=True
    )
    retail_branch_id = fields.Many2one(readonly=True, crm_system=True, default=False)
    date = fields.Datetime(
        string="Started", readonly=True, default=fields.Datetime.now, crm_system=True
    )
    finished = fields.Datetime(readonly=True, crm_system=True)
    source = fields.Selection(
        [("dialog", "Import dialog"), ("command", "Command line")],
        readonly=True,
        crm_system=True,
    )
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running",
        readonly=True,
        index=True,
        crm_system=True,
    )
    file_hash = fields.Char(readonly=True, crm_system=True)
    base_import_id = fields.Integer(readonly=True, crm_system=True)
    rows_total = fields.Integer(string="Rows in File", readonly=True, crm_system=True)
    rows_read = fields.Integer(readonly=True, crm_system=True)
    next_row = fields.Integer(
        readonly=True, crm_system=True, help="Rows of the file done (committed) so far."
    )
    batch_count = fields.Integer(string="Batches Done", readonly=True, crm_system=True)
    created_count = fields.Integer(string="Created", readonly=True, crm_system=True)
    updated_count = fields.Integer(string="Updated", readonly=True, crm_system=True)
    rejected_count = fields.Integer(string="Rejected", readonly=True, crm_system=True)
    duplicate_count = fields.Integer(
        string="Duplicates Merged",
        readonly=True,
        crm_system=True,
        help="Rows that are the same customer as an earlier row of the file.",
    )
    duration = fields.Float(string="Duration (s)", digits=(16, 1), readonly=True, crm_system=True)
    rate = fields.Float(string="Rows per Second", digits=(16, 0), compute="_compute_rate")
    error_log = fields.Text(string="Rejected Rows", readonly=True, crm_system=True)
    partner_ids = fields.Many2many(
        "res.partner",
        "crm_customer_import_partner_rel",
        "import_id",
        "partner_id",
        string="Imported Customers",
        readonly=True,
        crm_system=True,
    )
    partner_count = fields.Integer(string="Customers", compute="_compute_partner_count")
    dq_scan_id = fields.Many2one(
        "crm.dq.scan", string="Data-Quality Scan", readonly=True, crm_system=True
    )
    dq_line_ids = fields.One2many(related="dq_scan_id.line_ids", string="Data Quality")
    dq_issue_count = fields.Integer(string="Open Issues", compute="_compute_dq_issue_count")

    @api.depends("rows_read", "duration")
    def _compute_rate(self):
        for record in self:
            record.rate = record.rows_read / record.duration if record.duration else 0.0

    def _compute_partner_count(self):
        counts = dict(
            self.env.execute_query(
                SQL(
                    """SELECT r.import_id, count(*) FROM crm_customer_import_partner_rel r
                        WHERE r.import_id = ANY(%s) GROUP BY r.import_id""",
                    self.ids,
                )
            )
        )
        for record in self:
            record.partner_count = counts.get(record.id, 0)

    def _compute_dq_issue_count(self):
        Issue = self.env["crm.dq.issue"]
        for record in self:
            record.dq_issue_count = Issue.search_count(record._dq_issue_domain())

    # --- access ----------------------------------------------------------------

    @api.model
    def _check_import_access(self):
        """Customers are imported by the roles that write customers (branch
        staff and managers, integration users, administrators), with their
        own rights: a branch clerk's rows go to their branch only."""
        user = self.env.user
        if not any(user.has_group(group) for group in IMPORT_GROUPS) or not self.env[
            "res.partner"
        ].has_access("create"):
            raise AccessError(
                _("Importing customers needs the Branch Staff, Integration or Administrator role.")
            )

    def _check_own_running(self):
        """Only the user who started an import adds batches to it."""
        self.ensure_one()
        if self.user_id != self.env.user:
            raise AccessError(_("This import was started by another user."))
        if self.state != "running":
            raise UserError(_("This import is finished: start a new one."))

    # --- recording -------------------------------------------------------------

    @api.model
    def _start(self, name, source, rows_total=0, file_hash=False, base_import_id=0):
        self._check_import_access()
        # sudo after the check above: every field of an import is system-set
        return (
            self.sudo()
            .create(
                {
                    "name": (name or _("Customers"))[:256],
                    "user_id": self.env.uid,
                    "source": source,
                    "rows_total": rows_total,
                    "file_hash": file_hash,
                    "base_import_id": base_import_id,
                    "retail_branch_id": self.env.user.retail_branch_id.id
                    if self.env.user.retail_branch_scoped
                    else False,
                }
            )
            .sudo(False)
        )

    @api.model
    def _dialog_record(self, wizard_id):
        """The import of the dialog's file: the dialog sends a large file in
        batches, each a call with the same wizard (``base_import.import``)."""
        record = self.browse()
        if wizard_id:
            record = self.search(
                [
                    ("user_id", "=", self.env.uid),
                    ("base_import_id", "=", wizard_id),
                    ("source", "=", "dialog"),
                    ("state", "=", "running"),
                ],
                limit=1,
            )
        if not record:
            name = self.env.context.get("crm_import_file_name") or _("Import dialog")
            record = self._start(name, "dialog", base_import_id=wizard_id)
        return record

    @api.model
    def _upsert(self, payloads, idempotency_key=None):
        """Create or update customers through the API's own path, in the
        current transaction, so that the import's record of a batch commits
        with the batch (and the dialog's test run rolls both back): the API's
        access check, then ``customer_upsert_batch`` without its own
        transaction (input checks, identity locks, idempotency store and
        per-record upsert)."""
        Api = self.env["crm.retail.api"]
        Api._check_api_access()
        return Api._customer_upsert_batch_here(payloads, idempotency_key, "per_record")

    def _record_batch(self, result, row_numbers, elapsed=0.0, next_row=None):
        """Add one batch's response of customer_upsert_batch to the counts.

        ``row_numbers[i]`` is the file row of ``result["results"][i]``.
        Returns (the batch's counts, its error lines)."""
        self.ensure_one()
        rows = result["results"]
        ok_rows = [r for r in rows if r["ok"]]
        ids = sorted({r["id"] for r in ok_rows})
        known = set()
        if ids:
            known = {
                row[0]
                for row in self.env.execute_query(
                    SQL(
                        """SELECT partner_id FROM crm_customer_import_partner_rel
                            WHERE import_id = %s AND partner_id = ANY(%s)""",
                        self.id,
                        ids,
                    )
                )
            }
        seen = set(known)
        created = updated = duplicates = 0
        for row in ok_rows:
            if row["id"] in seen:
                duplicates += 1  # the same customer as an earlier row
            elif row["created"]:
                created += 1
            else:
                updated += 1
            seen.add(row["id"])
        errors = [
            self.env._("Row %(row)s: %(error)s", row=row_numbers[r["index"]], error=r["error"])
            for r in rows
            if not r["ok"]
        ]
        new_ids = sorted(set(ids) - known)
        if new_ids:
            self.env.cr.execute(
                SQL(
                    """INSERT INTO crm_customer_import_partner_rel (import_id, partner_id)
                       SELECT %s, unnest(%s::int[]) ON CONFLICT DO NOTHING""",
                    self.id,
                    new_ids,
                )
            )
            self.invalidate_recordset(["partner_ids", "partner_count"])
        log = self.error_log or ""
        kept = log.count("\n") + 1 if log else 0
        if errors and kept < MAX_ERROR_LINES:
            log = "\n".join(filter(None, [log, *errors[: MAX_ERROR_LINES - kept]]))
        counts = {
            "rows": len(rows),
            "created": created,
            "updated": updated,
            "duplicates": duplicates,
            "rejected": len(errors),
        }
        # sudo: called after _start / _check_own_running checked the user
        self.sudo().write(
            {
                "rows_read": self.rows_read + len(rows),
                "created_count": self.created_count + created,
                "updated_count": self.updated_count + updated,
                "duplicate_count": self.duplicate_count + duplicates,
                "rejected_count": self.rejected_count + len(errors),
                "batch_count": self.batch_count + 1,
                "next_row": next_row if next_row is not None else self.next_row + len(rows),
                "duration": self.duration + elapsed,
                "error_log": log or False,
            }
        )
        return counts, errors

    def _finish(self, scan=True):
        """Mark the import done, give it the branch of its customers when
        they all have the same, and scan the imported customers only."""
        self.ensure_one()
        vals = {"state": "done", "finished": fields.Datetime.now()}
        if not self.retail_branch_id:
            branches = self.env.execute_query(
                SQL(
                    """SELECT DISTINCT p.retail_branch_id
                         FROM crm_customer_import_partner_rel r
                         JOIN res_partner p ON p.id = r.partner_id
                        WHERE r.import_id = %s LIMIT 2""",
                    self.id,
                )
            )
            if len(branches) == 1 and branches[0][0]:
                vals["retail_branch_id"] = branches[0][0]
        if scan and self.partner_count:
            vals["dq_scan_id"] = self._scan_imported().id
        self.sudo().write(vals)  # the caller checked the user (see _record_batch)
        return True

    def _scan_imported(self):
        """Run the customer rules of the data-quality scan over the imported
        customers only (see crm_customer_import_dq_scan.py)."""
        self.ensure_one()
        rules = self.env["crm.dq.rule"].sudo().search([("res_model", "=", "res.partner")])
        # sudo after _check_import_access: the scan only reads the customers
        # this user has just written; its issues are branch-ruled
        Scan = self.env["crm.dq.scan"].sudo()
        scan = Scan.create({"trigger": "import", "rule_ids": [fields.Command.set(rules.ids)]})
        scan.with_context(crm_dq_import_id=self.id)._run_all()
        return scan

    # --- summary -------------------------------------------------------------

    def _dq_issue_domain(self, rule=None):
        self.ensure_one()
        domain = [
            ("res_model", "=", "res.partner"),
            ("partner_id.crm_customer_import_ids", "=", self.id),
            ("state", "=", "open"),
        ]
        if rule:
            domain.append(("rule_id", "=", rule.id))
        return domain

    def _dq_counts(self):
        """{rule name: customers of this import violating it}, from its scan."""
        self.ensure_one()
        return {line.rule_id.name: line.found_count for line in self.dq_scan_id.line_ids}

    def _summary(self):
        self.ensure_one()
        return {
            "id": self.id,
            "state": self.state,
            "rows_read": self.rows_read,
            "next_row": self.next_row,
            "created": self.created_count,
            "updated": self.updated_count,
            "rejected": self.rejected_count,
            "duplicates": self.duplicate_count,
            "duration": self.duration,
            "dq": self._dq_counts(),
        }

    # --- the command line (setup/import_customers.py, over XML-RPC) --------------

    @api.model
    def command_start(self, file_name, file_hash, rows_total):
        """Start an import of a file, or resume the running import of the
        same file (same content) by the same user. Returns its summary
        (``next_row``: the first row not yet committed)."""
        self._check_import_access()
        if not isinstance(file_hash, str) or not 16 <= len(file_hash) <= 128:
            raise UserError(_("file_hash must be the file's SHA-256 (hex)."))
        if not isinstance(rows_total, int) or isinstance(rows_total, bool) or rows_total < 0:
            raise UserError(_("rows_total must be the number of rows of the file."))
        running = self.search(
            [
                ("user_id", "=", self.env.uid),
                ("file_hash", "=", file_hash),
                ("state", "=", "running"),
                ("source", "=", "command"),
            ],
            limit=1,
        )
        record = running or self._start(
            str(file_name or "")[:256], "command", rows_total, file_hash
        )
        return record._summary()

    def command_batch(self, first_row, customers, errors=None):
        """Import one batch of the file (rows ``first_row`` onwards) through
        customer_upsert_batch with an idempotency key of this import and
        batch: a batch sent again (after a crash or a lost answer) returns
        the first answer and is counted once."""
        self.ensure_one()
        self._check_own_running()
        errors = errors or []
        if (
            not isinstance(first_row, int)
            or not isinstance(customers, list)
            or not isinstance(errors, list)
            or not all(
                isinstance(e, list | tuple)
                and len(e) == 2
                and isinstance(e[0], int)
                and isinstance(e[1], str)
                for e in errors
            )
        ):
            raise UserError(
                _("command_batch takes first_row, customers and errors ([[position, reason]]).")
            )
        size = len(customers) + len(errors)
        key = hashlib.sha256(f"{self.id}:{self.file_hash}:{first_row}:{size}".encode()).hexdigest()
        start = time.monotonic()
        result = self._upsert(customers, idempotency_key=f"import-{key[:48]}")
        elapsed = time.monotonic() - start
        next_row = first_row + size
        if next_row <= self.next_row:  # already counted (a resent batch)
            return {"skipped": True, **self._summary()}
        # the rows the file reader refused, in their places among the others
        refused = {position: reason[:500] for position, reason in errors}
        sent = iter(result["results"])
        results = []
        for position in range(size):
            if position in refused:
                results.append({"index": position, "ok": False, "error": refused[position]})
            else:
                results.append(dict(next(sent), index=position))
        # rows as a spreadsheet numbers them: the header is row 1
        counts, lines = self._record_batch(
            {"results": results}, [first_row + i + 2 for i in range(size)], elapsed, next_row
        )
        return {"skipped": False, "batch": counts, "errors": lines[:50], **self._summary()}

    def command_finish(self, duration=0.0):
        """Finish the import (scan of its customers); returns the summary."""
        self.ensure_one()
        self._check_own_running()
        if isinstance(duration, int | float) and duration > 0:
            self.sudo().write({"duration": float(duration)})  # own import, checked
        self._finish()
        return self._summary()

    # --- reading files ---------------------------------------------------------

    @api.model
    def _lookups(self):
        """{upsert key: {casefolded code, name or label: code}} of the coded
        columns: a cell may hold a code, the English or the Chinese name, or
        the template's value ('Central and Western 中西區')."""
        lookups = {}
        Partner = self.env["res.partner"]
        for key, fname in (
            ("district", "district_id"),
            ("tier", "membership_tier_id"),
            ("branch", "retail_branch_id"),
        ):
            table = {}
            model = Partner._fields[fname].comodel_name
            for lang in ("en_US", "zh_HK"):
                records = self.env[model].with_context(lang=lang, active_test=False).search([])
                for record in records:
                    names = {record.code, record.name, record.display_name}
                    names.add(getattr(record, "name_zh", None))
                    table.update({str(n).casefold(): record.code for n in names if n})
            lookups[key] = table
        for key, fname in (
            ("channel", "retail_channel"),
            ("preferred_language", "preferred_language"),
            ("preferred_contact_channel", "preferred_contact_channel"),
            ("residency", "residency"),
        ):
            table = {}
            field = Partner._fields[fname]
            for lang in ("en_US", "zh_HK"):
                for value, label in field._description_selection(self.with_context(lang=lang).env):
                    table[str(value).casefold()] = value
                    table[str(label).casefold()] = value
            lookups[key] = table
        return lookups

    @api.model
    def command_lookups(self):
        """The lookups of the coded columns, for setup/import_customers.py."""
        self._check_import_access()
        return self._lookups()

    # --- the template ----------------------------------------------------------

    @api.model
    def _install_template_mapping(self):
        """Let the import dialog map the template's bilingual headers to the
        customer fields (module data; Odoo's saved column mappings)."""
        Mapping = self.env["base_import.mapping"].sudo()
        existing = {m.column_name: m for m in Mapping.search([("res_model", "=", "res.partner")])}
        for column_name, field_name in customer_import_template.mapping_rows():
            mapping = existing.get(column_name)
            if not mapping:
                Mapping.create(
                    {
                        "res_model": "res.partner",
                        "column_name": column_name,
                        "field_name": field_name,
                    }
                )
            elif mapping.field_name != field_name:
                mapping.field_name = field_name
        return True

    @api.model
    def _template_allowed_values(self):
        """{field: [(value, translation)]} of the template's coded columns,
        in English and Chinese; a clerk's branches are their own."""
        env_en = self.with_context(lang="en_US").env
        env_zh = self.with_context(lang="zh_HK").env
        allowed = {}
        for fname, model in (
            ("district_id", "crm.hk.district"),
            ("membership_tier_id", "crm.membership.tier"),
            ("retail_branch_id", "crm.retail.branch"),
        ):
            records = env_en[model].search([])
            names_zh = {r.id: r.display_name for r in env_zh[model].browse(records.ids)}
            allowed[fname] = [
                (
                    record.display_name,
                    record.code
                    if names_zh[record.id] == record.display_name
                    else f"{names_zh[record.id]} ({record.code})",
                )
                for record in records
            ]
        Partner = self.env["res.partner"]
        for fname in (
            "retail_channel",
            "preferred_language",
            "preferred_contact_channel",
            "residency",
        ):
            field = Partner._fields[fname]
            labels_zh = dict(field._description_selection(env_zh))
            allowed[fname] = [
                (label, labels_zh.get(value, ""))
                for value, label in field._description_selection(env_en)
            ]
        return allowed

    @api.model
    def _template_file(self):
        """The import template (XLSX bytes) for the current user."""
        self._check_import_access()
        return customer_import_template.build_template(
            self._template_allowed_values(),
            [
                _(
                    "Fill one row per customer on the first sheet and import it from "
                    "Customers > Import records; each customer needs a membership number, "
                    "mobile, phone or e-mail."
                ),
                _(
                    "Customers are matched by membership number, then phone, then e-mail: "
                    "existing customers are updated, empty cells never erase what is known."
                ),
                _("Coded columns take a value of this sheet, its Chinese name or its code."),
            ],
        )

    # --- actions -------------------------------------------------------------

    def action_view_customers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_retail_compile.res_partner_action_retail_customer"
        )
        action["domain"] = [("crm_customer_import_ids", "=", self.id)]
        action["view_mode"] = "list,form"
        action["views"] = [(False, "list"), (False, "form")]
        return action

    def action_view_issues(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_retail_compile.crm_dq_issue_action"
        )
        action["domain"] = self._dq_issue_domain()
        return action
