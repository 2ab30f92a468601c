"""Department reports over the integration API (report_run, report_fetch)."""

import base64
import hashlib

from odoo import _, api, models
from odoo.exceptions import UserError, ValidationError

from ..lib import api_schema
from .crm_retail_api import UnknownRecordError, api_method


# One file per concern of the API (see crm_retail_api.py).
class CrmRetailApi(models.AbstractModel):
    _inherit = "crm.retail.api"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Reports
    # ------------------------------------------------------------------
    @api.model
    @api_method
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
    @api_method
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
