"""crm.report.run: the run's files (XLSX, CSV, PDF), rendered when first
downloaded, and the downloads with their access checks."""

import logging
import os

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_datetime

from ..lib import report_engine, report_stream, report_workdir, report_writers
from .crm_report_run_compile import report_rows

_logger = logging.getLogger(__name__)

# Files of runs with fewer rows are written in the worker, without the
# XLSX writer process (see report_writers.XlsxSink).
XLSX_PROCESS_ROWS = 5000
PDF_REPORT = "report.crm_retail_compile.report_crm_report_run"


class CrmReportRun(models.Model):
    _inherit = "crm.report.run"  # pylint: disable=consider-merging-classes-inherited

    def _file_sinks(self, tmp, columns, formats=None):
        """{fmt: sink} of the template's XLSX and CSV (or those of
        ``formats``), headers and metadata in the reader's language."""
        specs = self._column_specs()
        if len(specs) == len(columns):
            columns = [(s["code"], s["header"], s["kind"]) for s in specs]
        sinks = {}
        formats = [f for f in self._output_formats() if not formats or f in formats]
        if "xlsx" in formats:
            sinks["xlsx"] = report_writers.XlsxSink(
                os.path.join(tmp, "report.xlsx"),
                columns,
                self.template_id.name,
                self._file_meta(),
                # a writer process pays off for large files only (starting
                # it costs more than writing a few thousand rows)
                process=bool(self.env.context.get("crm_report_background"))
                or self.row_count >= XLSX_PROCESS_ROWS,
            )
        if "csv" in formats:
            sinks["csv"] = report_writers.CsvSink(os.path.join(tmp, "report.csv"), columns)
        return sinks

    def _file_meta(self):
        Summary = self.env[PDF_REPORT]
        compiled_at = self.finished or fields.Datetime.now()
        return [
            (_("Department"), self.retail_department_id.name),
            (_("Period"), Summary._period_text(self)),
            (_("Compiled"), format_datetime(self.env, compiled_at)),
            (_("By"), self.user_id.name),
        ]

    def _attach_files(self, sinks):
        vals = {}
        for fmt, sink in sinks.items():
            path = sink.path if fmt == "xlsx" else sink.handle.name
            attachment = self._attach(path, fmt)
            vals[f"{fmt}_attachment_id"] = attachment.id
            if fmt == "xlsx" or not (self.checksum or "checksum" in vals):
                vals["checksum"] = report_writers.sha256_file(path)
        if vals:
            self.sudo()._crm_system_write().write(vals)

    def _attach_pdf(self):
        pdf = self._render_pdf()
        if pdf:
            self.sudo()._crm_system_write().write({"pdf_attachment_id": pdf.id})
        return pdf

    def _line_rows(self):
        """The rows of the result lines, in the columns' order (period
        dates, texts, numbers), for the files rendered on download."""
        specs = self._column_specs()
        slots = [s["slot"] for s in specs]
        if not all(slots):
            raise UserError(_("This result cannot be rendered from its lines."))
        self.env["crm.report.line"].flush_model()
        query = SQL(
            "SELECT %s FROM crm_report_line WHERE run_id = %s ORDER BY sequence",
            SQL(", ").join(SQL.identifier(slot) for slot in slots),
            self.id,
        )
        yield from report_rows(self.env.cr, query, f"crm_report_lines_{self.id}")

    def _render_files(self, formats):
        """Render ``formats`` from the result lines and attach them; an
        unfinished file is never attached."""
        with report_workdir.workdir(self.id) as tmp:
            sinks = self._file_sinks(tmp, self._columns(), formats)
            if sinks:
                report_stream.pump(self._line_rows(), list(sinks.values()))
                self._attach_files(sinks)
        if "pdf" in formats:
            self._attach_pdf()

    def _ensure_files(self, formats=None):
        """Render the run's missing files (all the template's formats, or
        ``formats``) once, from its result lines, and keep them: the next
        download, e-mail or API call gets the same file. In the current
        user's language. Returns the attachments of ``formats``.

        Callers check access first (``_get_output``; the scheduled delivery
        for its authorised recipients)."""
        self.ensure_one()
        available = self._output_formats()
        formats = [f for f in (formats or available) if f in available]
        run = self.sudo()
        if run.state == "done" and any(not run[f"{f}_attachment_id"] for f in formats):
            # one rendering at a time: a second download waits for the first
            self.env.cr.execute(
                SQL("SELECT id FROM crm_report_run WHERE id = %s FOR NO KEY UPDATE", self.id)
            )
            run.invalidate_recordset([f"{f}_attachment_id" for f in report_stream.OUTPUT_FORMATS])
            missing = [f for f in formats if not run[f"{f}_attachment_id"]]
            if missing and run.has_lines:
                try:
                    with self.env.cr.savepoint():
                        run._render_files(missing)
                except OSError as error:  # a file could not be written
                    _logger.warning("Report run %s: files not rendered: %s", self.id, error)
                    raise UserError(
                        _(
                            "The report file could not be prepared (%(error)s). "
                            "Try again in a moment.",
                            error=error,
                        )
                    ) from error
        attachments = self.env["ir.attachment"]
        for fmt in formats:
            attachments |= run[f"{fmt}_attachment_id"]
        return attachments

    def _file_name(self, fmt):
        return report_stream.file_name(self.display_name or self.name, fmt)

    def _attach(self, path, fmt):
        with open(path, "rb") as handle:
            data = handle.read()
        return self._attach_raw(data, fmt)

    def _attach_raw(self, data, fmt):
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self._file_name(fmt),
                    "raw": data,
                    "mimetype": report_stream.MIMETYPES[fmt],
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )

    def _render_pdf(self):
        if not self.has_lines:
            self.message_post(body=_("No PDF: the result is too large for a printable report."))
            return False
        # in the reader's language and time zone (a background run renders
        # in its requester's: the cron has neither)
        background = self.env.context.get("crm_report_background")
        lang = (self.user_id.lang if background else None) or self.env.lang
        tz = (self.user_id.tz if background else None) or self.env.context.get("tz")
        content, _fmt = (
            self.env["ir.actions.report"]
            .sudo()
            .with_context(lang=lang, tz=tz or "Asia/Hong_Kong")
            ._render_qweb_pdf("crm_retail_compile.action_report_crm_report_run", self.ids)
        )
        return self.with_context(lang=lang)._attach_raw(content, "pdf")

    def _output_attachments(self):
        """The run's files, rendered first if need be (the scheduled
        delivery attaches them to its e-mail)."""
        attachments = self.env["ir.attachment"]
        for run in self:
            attachments |= run._ensure_files()
        return attachments

    def action_download(self, fmt="xlsx"):
        self.ensure_one()
        if fmt not in ("xlsx", "csv", "pdf"):
            raise UserError(_("Unknown format %(fmt)s.", fmt=fmt))
        self._check_output_access()
        if fmt not in self._output_formats() or (
            not self.sudo()[f"{fmt}_attachment_id"] and not self.has_lines
        ):
            raise UserError(_("This run has no %(fmt)s output.", fmt=fmt.upper()))
        return {
            "type": "ir.actions.act_url",
            "url": f"/crm_retail_compile/report/{self.id}/{fmt}",
            "target": "self",
        }

    def action_download_xlsx(self):
        return self.action_download("xlsx")

    def action_download_csv(self):
        return self.action_download("csv")

    def action_download_pdf(self):
        return self.action_download("pdf")

    def _log_download(self, user=None, kind_label=None):
        """Log a download or a sending in the privacy export log."""
        self.ensure_one()
        user = user or self.env.user
        dataset = self.template_id._get_dataset()
        purpose = self.template_id.purpose or self.template_id.name
        if kind_label:
            purpose = f"{purpose} ({kind_label})"
        columns = [label for _code, label, _kind in self._columns()]
        ExportLog = self.env["crm.privacy.export.log"].with_user(user)
        if self.template_id.detail == "customer" and report_engine.sensitivity_allows(
            "confidential", self._clearance()
        ):
            # identified customer rows: each download takes personal data out
            # and is charged to the user's export budget
            return ExportLog._charge(
                "res.partner", self.row_count, columns, kind="report", purpose=purpose
            )
        return ExportLog._log_export(dataset.model, [], columns, kind="report", purpose=purpose)

    def _check_output_access(self):
        """Check again, at download time, that the current user may have this
        run's files: the run (department rule), its template (the user's
        department clearance), the run's department being the template's,
        and every branch the run covers being one of the user's."""
        self.ensure_one()
        self.check_access("read")
        user = self.env.user
        denied = AccessError(_("You are not allowed to download this report."))
        template = self.template_id
        try:
            template.check_access("read")
        except AccessError:
            raise denied from None
        # read as superuser after the checks above: the run's own values
        run = self.sudo()
        if run.retail_department_id != run.template_id.retail_department_id:
            raise denied
        all_departments = (
            self.env.su
            or user.has_group("crm_retail_compile.group_retail_admin")
            or user.has_group("crm_privacy_pdpo.group_privacy_officer")
        )
        if not all_departments and user.retail_department_id != run.retail_department_id:
            raise denied
        if user.retail_branch_scoped and not self.env.su:
            covered = run.branch_ids
            if not covered:
                # no branch chosen: the branches its requester could see
                requester = run.user_id
                covered = (
                    requester.retail_branch_ids
                    if requester.retail_branch_scoped
                    else self.env["crm.retail.branch"].sudo().search([])
                )
            if covered - user.sudo().retail_branch_ids:
                raise denied
        return True

    def _get_output(self, fmt):
        """The attachment of ``fmt`` for a download, after the access checks:
        the run's and its template's (``_check_output_access``), and the file
        being the run's own output."""
        self.ensure_one()
        if fmt not in ("xlsx", "csv", "pdf"):
            raise UserError(_("This run has no such output."))
        self._check_output_access()
        if self.state != "done":
            raise UserError(_("The report has not been compiled yet."))
        # rendered on the first download, then kept (after the checks above)
        self._ensure_files([fmt])
        attachment = self.sudo()[f"{fmt}_attachment_id"]
        if not attachment:
            raise UserError(_("This run has no such output."))
        if attachment.res_model != self._name or attachment.res_id != self.id:
            raise AccessError(_("This file is not an output of the report run."))
        self._log_download()
        return attachment
