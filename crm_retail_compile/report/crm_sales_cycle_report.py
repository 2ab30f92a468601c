from odoo import fields, models, tools
from odoo.tools import SQL


class CrmSalesCycleReport(models.Model):
    """One row per opportunity, read from the permanent sales events: when it
    was created, qualified, won or lost, ordered and paid, so conversion rates
    (averages of the 0/1 flags) and cycle durations group by branch,
    salesperson, team and period in pivot and graph views."""

    _name = "crm.sales.cycle.report"
    _description = "Sales Cycle Analysis"
    _auto = False
    _order = "date_created desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    retail_branch_id = fields.Many2one("crm.retail.branch", string="Branch", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    lost_reason_id = fields.Many2one("crm.lost.reason", readonly=True)
    outcome = fields.Selection(
        [("pending", "In Progress"), ("won", "Won"), ("lost", "Lost")], readonly=True
    )
    date_created = fields.Datetime(string="Created", readonly=True)
    date_qualified = fields.Datetime(string="Qualified", readonly=True)
    date_won = fields.Datetime(string="Won", readonly=True)
    date_lost = fields.Datetime(string="Lost", readonly=True)
    date_ordered = fields.Datetime(string="First Order", readonly=True)
    date_paid = fields.Datetime(string="First Payment", readonly=True)
    leads = fields.Integer(string="Opportunities", readonly=True)
    qualified_rate = fields.Float(
        aggregator="avg",
        readonly=True,
        help="Share of opportunities that were qualified (1 = all).",
    )
    win_rate = fields.Float(aggregator="avg", readonly=True)
    loss_rate = fields.Float(aggregator="avg", readonly=True)
    days_to_won = fields.Float(string="Days Lead to Won", aggregator="avg", readonly=True)
    days_won_to_paid = fields.Float(string="Days Won to Paid", aggregator="avg", readonly=True)
    expected_revenue = fields.Float(readonly=True)
    order_revenue = fields.Float(string="Ordered Revenue", readonly=True)

    def _query(self):
        return SQL(
            """
            WITH ev AS (
                SELECT e.lead_id,
                       MIN(e.event_date) FILTER (WHERE e.event_type = 'lead_created') AS created,
                       MIN(e.event_date) FILTER (WHERE e.event_type = 'qualified') AS qualified,
                       MIN(e.event_date) FILTER (WHERE e.event_type = 'won') AS won,
                       MIN(e.event_date) FILTER (WHERE e.event_type = 'lost') AS lost,
                       MIN(e.event_date) FILTER (WHERE e.event_type = 'order_confirmed')
                           AS ordered,
                       MIN(e.event_date) FILTER (WHERE e.event_type = 'paid') AS paid,
                       SUM(e.revenue) FILTER (WHERE e.is_revenue AND e.order_id IS NOT NULL)
                           AS order_revenue
                  FROM crm_sales_event e
                 WHERE e.lead_id IS NOT NULL
                 GROUP BY e.lead_id
            ), last AS (
                SELECT DISTINCT ON (e.lead_id) e.lead_id, e.event_type, e.lost_reason_id
                  FROM crm_sales_event e
                 WHERE e.event_type IN ('won', 'lost', 'reopened')
                 ORDER BY e.lead_id, e.id DESC
            )
            SELECT l.id, l.id AS lead_id, l.partner_id, l.retail_branch_id, l.user_id,
                   l.team_id, l.company_id,
                   CASE WHEN last.event_type = 'lost' THEN last.lost_reason_id END
                       AS lost_reason_id,
                   CASE WHEN last.event_type IN ('won', 'lost') THEN last.event_type
                        ELSE 'pending' END AS outcome,
                   COALESCE(ev.created, l.create_date) AS date_created,
                   ev.qualified AS date_qualified, ev.won AS date_won, ev.lost AS date_lost,
                   ev.ordered AS date_ordered, ev.paid AS date_paid,
                   1 AS leads,
                   CASE WHEN ev.qualified IS NOT NULL THEN 1.0 ELSE 0.0 END AS qualified_rate,
                   CASE WHEN last.event_type = 'won' THEN 1.0 ELSE 0.0 END AS win_rate,
                   CASE WHEN last.event_type = 'lost' THEN 1.0 ELSE 0.0 END AS loss_rate,
                   EXTRACT(EPOCH FROM ev.won - COALESCE(ev.created, l.create_date)) / 86400.0
                       AS days_to_won,
                   EXTRACT(EPOCH FROM ev.paid - ev.won) / 86400.0 AS days_won_to_paid,
                   COALESCE(l.expected_revenue, 0) AS expected_revenue,
                   COALESCE(ev.order_revenue, 0) AS order_revenue
              FROM crm_lead l
              LEFT JOIN ev ON ev.lead_id = l.id
              LEFT JOIN last ON last.lead_id = l.id
            """
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )
