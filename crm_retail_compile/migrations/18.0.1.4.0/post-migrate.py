"""18.0.1.4.0: typed report results.

- Result lines hold a ratio's numerator and denominator (the pivot recomputes
  it at every level) and the run's columns their type and aggregation. Runs
  compiled before keep their files and figures, but their lines (whose
  ratios would be summed) are removed: such a run is re-run to be analysed.
  Templates whose latest snapshot is such a run get a new one from the next
  snapshot job.
- The suite's templates get their default chart (type and measure) unless
  an administrator already chose one.
"""

from odoo.tools import SQL

CHARTS = {
    "crm_report_template_sales_performance": ("bar", "revenue"),
    "crm_report_template_marketing_segments": ("bar", "customers"),
    "crm_report_template_marketing_consent": ("bar", "customers"),
    "crm_report_template_marketing_customer_value": ("bar", "revenue"),
    "crm_report_template_promotion_results": ("line", "revenue"),
    "crm_report_template_planning_trends": ("line", "revenue"),
    "crm_report_template_hr_productivity": ("bar", "revenue"),
    "crm_report_template_finance_profit_segment": ("bar", "profit"),
    "crm_report_template_service_data_quality": ("bar", "issues"),
    "crm_report_template_management_kpi": ("line", "revenue"),
}


def migrate(cr, version):
    # runs compiled before: columns as [code, label, kind] lists
    cr.execute(
        SQL(
            """SELECT id FROM crm_report_run
                WHERE has_lines AND columns_json LIKE %s""",
            "[[%",
        )
    )
    old = [row[0] for row in cr.fetchall()]
    if old:
        cr.execute(SQL("DELETE FROM crm_report_line WHERE run_id = ANY(%s)", old))
        cr.execute(SQL("UPDATE crm_report_run SET has_lines = FALSE WHERE id = ANY(%s)", old))
        cr.execute(
            SQL(
                "UPDATE crm_report_template SET snapshot_run_id = NULL "
                "WHERE snapshot_run_id = ANY(%s)",
                old,
            )
        )
    for xmlid, (chart_type, measure) in CHARTS.items():
        cr.execute(
            SQL(
                """UPDATE crm_report_template t
                      SET chart_type = %(type)s, chart_measure = %(measure)s
                     FROM ir_model_data d
                    WHERE d.module = 'crm_retail_compile' AND d.name = %(xmlid)s
                      AND d.model = 'crm.report.template' AND d.res_id = t.id
                      AND t.chart_measure IS NULL
                      AND (',' || t.measures || ',') LIKE %(like)s""",
                type=chart_type,
                measure=measure,
                xmlid=xmlid,
                like=f"%,{measure},%",
            )
        )
