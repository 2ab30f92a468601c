import datetime

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..lib.clienteling import is_due

OCCASIONS = [
    ("birthday", "Birthday"),
    ("anniversary", "Anniversary"),
    ("wish_in_stock", "Wish List Item Back in Stock"),
]
# consent purpose of each occasion (PDPO Part 6A: contacting the customer
# with an offer is direct marketing)
OCCASION_PURPOSE = {
    "birthday": "birthday",
    "anniversary": "birthday",
    "wish_in_stock": "clienteling",
}
CONSENT_CHANNELS = ("email", "sms", "phone", "whatsapp", "post")
BIRTHDAY_LEAD_DAYS = 7


class CrmJewelleryClientelingLog(models.Model):
    """One clienteling activity per customer, occasion and year."""

    _name = "crm.jewellery.clienteling.log"
    _description = "Clienteling Log"
    _order = "id desc"

    # every field is set by the clienteling job (crm_system)
    partner_id = fields.Many2one(
        "res.partner",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
        crm_system=True,
    )
    occasion = fields.Selection(OCCASIONS, required=True, readonly=True, crm_system=True)
    ref_id = fields.Integer(
        string="Occasion Record",
        default=0,
        help="Anniversary or wish list item id.",
        readonly=True,
        crm_system=True,
    )
    year = fields.Integer(required=True, readonly=True, crm_system=True)
    occasion_date = fields.Date(readonly=True, crm_system=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True, crm_system=True)
    activity_id = fields.Many2one(
        "mail.activity", ondelete="set null", readonly=True, crm_system=True
    )

    _sql_constraints = [
        (
            "occasion_uniq",
            "unique(partner_id, occasion, ref_id, year)",
            "This occasion already has a clienteling activity.",
        )
    ]

    @api.model
    def _cron_clienteling(self):
        return self._run(fields.Date.context_today(self))

    @api.model
    def _run(self, today):
        """Create the day's clienteling activities (set-based selection)."""
        self.env.flush_all()
        horizon_months = sorted(
            {(today + datetime.timedelta(days=d)).month for d in range(0, 61, 7)}
            | {(today + datetime.timedelta(days=60)).month}
        )
        candidates = []  # (partner_id, occasion, ref_id, date, label)
        for partner_id, month, day in self.env.execute_query(
            SQL(
                """SELECT p.id, p.birthday_month, p.birthday_day FROM res_partner p
                    WHERE p.active AND p.birthday_month = ANY(%s) AND p.birthday_day > 0""",
                horizon_months,
            )
        ):
            due, date = is_due(month, day, today, BIRTHDAY_LEAD_DAYS)
            if due:
                candidates.append((partner_id, "birthday", 0, date, None))
        for ann_id, partner_id, month, day, lead in self.env.execute_query(
            SQL(
                """SELECT a.id, a.partner_id, a.anniversary_month, a.anniversary_day,
                          a.reminder_days
                     FROM crm_jewellery_anniversary a
                     JOIN res_partner p ON p.id = a.partner_id AND p.active
                    WHERE a.active AND a.anniversary_month = ANY(%s)""",
                horizon_months,
            )
        ):
            due, date = is_due(month, day, today, lead)
            if due:
                candidates.append((partner_id, "anniversary", ann_id, date, None))
        wishes = (
            self.env["crm.jewellery.wish"]
            .sudo()
            .search([("state", "=", "open"), ("notify_back_in_stock", "=", True)])
        )
        for wish in wishes._refresh_stock_state():
            candidates.append((wish.partner_id.id, "wish_in_stock", wish.id, today, wish))
        return self._create_activities(candidates, today)

    @api.model
    def _create_activities(self, candidates, today):
        if not candidates:
            return self.browse()
        done = {
            (row[0], row[1], row[2], row[3])
            for row in self.env.execute_query(
                SQL(
                    """SELECT partner_id, occasion, ref_id, year
                         FROM crm_jewellery_clienteling_log
                        WHERE partner_id = ANY(%s)""",
                    list({c[0] for c in candidates}),
                )
            )
        }
        candidates = [c for c in candidates if (c[0], c[1], c[2], c[3].year) not in done]
        Partner = self.env["res.partner"].sudo()
        partners = Partner.browse({c[0] for c in candidates})
        consenting = {}
        for occasion, purpose in OCCASION_PURPOSE.items():
            ids = set()
            for channel in CONSENT_CHANNELS:
                group = partners.filtered(
                    lambda p, ch=channel: (p.preferred_contact_channel or "email") == ch
                )
                if group:
                    ids.update(Partner._crm_filter_consenting(group, purpose, channel).ids)
            consenting[occasion] = ids
        todo = self.env.ref("mail.mail_activity_data_todo")
        partner_model = self.env["ir.model"]._get_id("res.partner")
        labels = dict(OCCASIONS)
        log_vals, activity_vals = [], []
        for partner_id, occasion, ref_id, date, wish in candidates:
            if partner_id not in consenting[occasion]:
                continue
            partner = partners.browse(partner_id)
            user = partner.user_id or partner.retail_branch_id.manager_id
            if not user:
                continue
            if wish:
                summary = _(
                    "%(product)s on the wish list is back in stock",
                    product=wish.product_id.display_name,
                )
            else:
                summary = _(
                    "%(occasion)s on %(date)s: contact the customer",
                    occasion=labels[occasion],
                    date=date,
                )
            activity_vals.append(
                {
                    "res_model_id": partner_model,
                    "res_id": partner_id,
                    "activity_type_id": todo.id,
                    "user_id": user.id,
                    "summary": summary,
                    "date_deadline": min(date, today + datetime.timedelta(days=1))
                    if wish
                    else date - datetime.timedelta(days=1)
                    if date > today
                    else today,
                }
            )
            log_vals.append(
                {
                    "partner_id": partner_id,
                    "occasion": occasion,
                    "ref_id": ref_id,
                    "year": date.year,
                    "occasion_date": date,
                    "user_id": user.id,
                }
            )
        activities = self.env["mail.activity"].sudo().create(activity_vals)
        for vals, activity in zip(log_vals, activities, strict=True):
            vals["activity_id"] = activity.id
        return self.sudo().create(log_vals)
