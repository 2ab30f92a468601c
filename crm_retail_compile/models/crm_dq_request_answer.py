from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib import data_quality as dq
from ..lib import dq_request as dqr


class CrmDqRequest(models.Model):
    """The customer's answer to a data-quality request: the request behind a
    signed or short link, what the portal page shows, and the answer read
    with the rules of ``lib/dq_request.py`` and written to the customer."""

    _inherit = "crm.dq.request"

    @api.model
    def _get_with_token(self, request_id, token):
        """The request behind a signed link, after checking its token (in
        constant time), else an empty recordset. Sudo only to read the token."""
        if not (dqr.plausible_id(request_id) and dqr.plausible_token(token)):
            return self.browse()
        req = self.sudo().browse(request_id).exists()
        return req if req and dqr.token_matches(req.access_token, token) else self.browse()

    @api.model
    def _get_by_short_code(self, code):
        if not dqr.plausible_token(code):
            return self.browse()
        req = self.sudo().search([("short_code", "=", code)], limit=1)
        return req if req and dqr.token_matches(req.short_code, code) else self.browse()

    def _prefill_values(self):
        """What the page shows in the fields asked (district, address)."""
        self.ensure_one()
        partner = self.partner_id
        address = {f: partner[f] for f in dqr.ADDRESS_FIELDS}
        return dqr.prefill(self._asked_keys(), partner.district_id.id, address)

    def _masked_current(self):
        """{key: what is on file, masked} for the page's hints."""
        self.ensure_one()
        partner = self.partner_id
        values = {f: partner[f] for f in ("email", "mobile", "phone", "birthday_month")}
        return dqr.masked_current(self._asked_keys(), values)

    def _is_open_for_answer(self):
        """Whether the customer may still answer (sent, not expired)."""
        self.ensure_one()
        if dqr.is_expired(self.state, self.expiry_date, fields.Datetime.now()):
            self._crm_system_write().write({"state": "expired"})
        return self.state == "sent"

    def _validate_answer(self, form):
        """Check the customer's answer with the back office's rules
        (lib/dq_request.py). Return ``(vals, errors)``: the customer values
        to write, and {key: translated message} for the invalid ones."""
        self.ensure_one()
        rule = self.env["crm.dq.rule"].sudo().search([("check", "=", "placeholder_name")], limit=1)
        placeholders = dq.parse_placeholders(rule.param_text or dq.DEFAULT_PLACEHOLDERS)
        Partner = self.env["res.partner"]
        this_year = fields.Date.context_today(self).year
        districts = self.env["crm.hk.district"].sudo()
        vals, errors = dqr.parse_answer(
            self._asked_keys(),
            form,
            placeholders,
            district_exists=lambda district_id: bool(districts.browse(district_id).exists()),
            birthday_error=lambda d, m, y: Partner._birthday_error(d, m, y, this_year),
        )
        return vals, {key: self._answer_message(error) for key, error in errors.items()}

    @api.model
    def _answer_message(self, error):
        """The translated message of a :class:`dqr.AnswerError`."""
        Partner, params = self.env["res.partner"], error.params
        if error.code == "email":
            return Partner._crm_email_error(params["email"])
        if error.code == "phone":
            return Partner._crm_phone_error(params["number"])
        if error.code == "placeholder_name":
            return self.env._("Please enter your real name.")
        if error.code == "district":
            return self.env._("Please choose your district from the list.")
        if error.code == "birthday_digits":
            return self.env._("The birthday is given in numbers.")
        if error.code == "birthday":
            return self.env._("Impossible birthday: %(error)s", error=params["error"])
        return self.env._("Please fill in at least one of the fields.")

    def _apply_answer(self, form, source="portal_link"):
        """Write a valid answer to the customer (the suite's write path:
        res.partner.write normalises and checks again), resolve the issues
        the customer fixed, log it, and mark the request answered.

        Called by the portal controller on the request it checked (token or
        owner). Return {key: message} errors; nothing is written with any."""
        self.ensure_one()
        if not self._is_open_for_answer():
            raise UserError(self.env._("This request was already answered or is no longer valid."))
        vals, errors = self._validate_answer(form)
        if errors:
            return errors
        partner = self.partner_id
        labels = dict(self._ask_labels())
        given = dqr.given_keys(self._asked_keys(), vals)
        try:
            with self.env.cr.savepoint():
                partner.with_context(crm_dq_request_answer=True).write(vals)
                self.env.flush_all()
        except (UserError, ValueError) as exc:
            return {"form": str(exc.args[0] if exc.args else exc)}
        # the customer's open issues they could fix, this request's included
        issues = self.env["crm.dq.issue"].search(
            [
                ("partner_id", "=", partner.id),
                ("res_model", "=", "res.partner"),
                ("state", "=", "open"),
                ("rule_id.check", "in", list(dqr.CHECK_ASKS)),
            ]
        )
        resolved = issues.filtered(lambda i: i._resolve_if_fixed(resolution="customer_portal"))
        summary = ", ".join(labels[k] for k in given)
        sources = dict(self._fields["answer_source"]._description_selection(self.env))
        self._crm_system_write().write(
            {
                "state": "answered",
                "answered_date": fields.Datetime.now(),
                "answer_source": source,
                "answer_summary": summary,
            }
        )
        body = Markup("<p>%s</p>") % self.env._(
            "Data request %(name)s answered by the customer (%(via)s): %(fields)s updated; "
            "%(count)s issue(s) resolved.",
            name=self.name,
            via=sources[source],
            fields=summary,
            count=len(resolved),
        )
        partner._message_log(body=body, author_id=partner.id)
        self._message_log(body=body, author_id=partner.id)
        return {}
