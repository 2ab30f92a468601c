"""Benchmark the department report engine against hand-written SQL and stock Odoo.

Usage (on a database filled by setup/generate_data.py):

    .venv/bin/python setup/bench_reports.py --db crm_bench [--config .odoo-effective.conf]

Prints, measured in the same run:
  1. an aggregated department report (sales by branch and month) compiled by
     the engine vs the equivalent hand-written PostgreSQL query: ratio (target <= 1.5)
  2. stock Odoo's way (read_group over sale.report, as the pivot view does): ratio
  3. opening a pre-calculated report (latest snapshot lines): ms (target <= 100)
  4. a customer-level XLSX of every customer: rows/s (target >= 25,000) and the
     peak memory (target <= 500 MB) of the compiling process plus the XLSX
     writer process it starts, measured in a child process so that nothing else
     counts (the writer's own peak, sampled from /proc every 0.1 s).
Each timing is the best of --repeat runs (warm cache), as the targets assume.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HAND_SQL = """
    SELECT e.retail_branch_id, date_trunc('month', timezone('Asia/Hong_Kong',
           timezone('UTC', e.event_date)))::date AS month,
           SUM(e.revenue) FILTER (WHERE e.is_revenue) AS revenue,
           SUM(e.margin) FILTER (WHERE e.is_revenue) AS profit,
           COUNT(*) FILTER (WHERE e.event_type = 'order_confirmed')
             - COUNT(*) FILTER (WHERE e.event_type = 'order_cancelled') AS orders
      FROM crm_sales_event e
     GROUP BY 1, 2
"""


def best_of(repeat, func):
    times = []
    result = None
    for _i in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def env_for(db, config):
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", config, "--log-level=warn"])
    registry = Registry(db)
    cr = registry.cursor()
    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tz": "Asia/Hong_Kong"}), cr


def ensure_events(env):
    env.cr.execute("SELECT COUNT(*) FROM crm_sales_event")
    if env.cr.fetchone()[0]:
        return None
    start = time.perf_counter()
    count = env["crm.sales.event"]._sync_all()
    env["crm.customer.profit"]._refresh(full=True)
    env.cr.commit()  # commit: the benchmark database keeps its backfilled events
    return count, time.perf_counter() - start


def aggregated_template(env):
    Template = env["crm.report.template"]
    template = Template.search([("code", "=", "bench_sales_branch_month")])
    if not template:
        template = Template.create(
            {
                "name": "Benchmark: sales by branch and month",
                "code": "bench_sales_branch_month",
                "retail_department_id": env.ref("crm_retail_compile.department_sales").id,
                "dataset": "sales_events",
                "dimensions": "branch,period",
                "measures": "revenue,profit,orders",
                "period": "month",
                "date_range": "all",
                "output_xlsx": False,
                "output_pdf": False,
            }
        )
    return template


def bench_aggregated(env, repeat):
    template = aggregated_template(env)
    Run = env["crm.report.run"].with_context(crm_report_foreground=True)

    def engine():
        run = Run._create_for_template(template)
        compiled = run._compile()
        env.cr.execute(compiled.query.code, compiled.query.params)
        return env.cr.fetchall()

    def hand():
        env.cr.execute(HAND_SQL)
        return env.cr.fetchall()

    def stock():
        return env["sale.report"]._read_group(
            [("state", "=", "sale")],
            ["team_id", "date:month"],
            ["price_subtotal:sum", "margin:sum"],
        )

    engine()  # warm the cache
    t_engine, rows_engine = best_of(repeat, engine)
    t_hand, rows_hand = best_of(repeat, hand)
    t_stock, _rows = best_of(repeat, stock)
    print(
        f"aggregated report: engine {t_engine:.3f}s ({len(rows_engine)} rows), "
        f"hand-written SQL {t_hand:.3f}s ({len(rows_hand)} rows), "
        f"ratio {t_engine / t_hand:.2f} (target <= 1.5)"
    )
    print(
        f"stock Odoo read_group over sale.report: {t_stock:.3f}s, "
        f"ratio engine/stock {t_engine / t_stock:.2f}"
    )


def bench_precalculated(env, repeat):
    template = env.ref("crm_retail_compile.crm_report_template_management_kpi")
    if not template.snapshot_run_id:
        run = env["crm.report.run"]._create_for_template(
            template, user=template.owner_id, is_snapshot=True
        )
        run._execute()
        template.snapshot_run_id = run
        env.cr.commit()  # commit: keep the snapshot for the next benchmark run
    Line = env["crm.report.line"]

    def open_snapshot():
        env.invalidate_all()
        action = template.action_open_snapshot()
        return Line.search_read(action["domain"], ["period", "dim_1", "m_1", "m_2", "m_3"])

    t_open, rows = best_of(repeat, open_snapshot)
    print(
        f"pre-calculated report opens in {t_open * 1000:.1f} ms ({len(rows)} rows, "
        f"target <= 100 ms)"
    )


def _process_peak_kb(pid):
    """Peak resident memory of a live process (VmHWM), or None."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
    except OSError:
        return None
    if fields.get("State", "").strip().startswith("Z") or "VmHWM" not in fields:
        return None
    return int(fields["VmHWM"].split()[0])


def watch_xlsx_writer(peaks):
    """Record the XLSX writer process's own peak memory while it runs
    (the kernel's figure for a finished child also counts the pages it
    shared with its parent between fork and exec)."""
    from odoo.addons.crm_retail_compile.lib import report_writers

    start_child = report_writers.XlsxSink._start_child

    def start_and_watch(sink):
        child = start_child(sink)
        if child:

            def watch():
                while (peak := _process_peak_kb(child.pid)) is not None:
                    peaks.append(peak)
                    time.sleep(0.1)

            threading.Thread(target=watch, daemon=True).start()
        return child

    report_writers.XlsxSink._start_child = start_and_watch


def bench_xlsx_child(db, config):
    """Run in a child process: write the customer-level XLSX, print JSON."""
    env, cr = env_for(db, config)
    writer_peaks = []
    watch_xlsx_writer(writer_peaks)
    try:
        template = env["crm.report.template"].search([("code", "=", "bench_customer_xlsx")])
        if not template:
            template = env.ref("crm_retail_compile.crm_report_template_marketing_customer_value")
            template = template.copy(
                {
                    "code": "bench_customer_xlsx",
                    "timeliness": "realtime",
                    "dataset": "customers",
                    "dimensions": "tier,district",
                    "measures": "customers",
                    "date_range": "all",
                    "output_pdf": False,
                }
            )
        run = env["crm.report.run"].with_context(crm_report_foreground=True)
        run = run._create_for_template(template)
        start = time.perf_counter()
        run._execute()
        elapsed = time.perf_counter() - start
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        writer_kb = max(writer_peaks, default=0)
        print(
            json.dumps(
                {
                    "state": run.state,
                    "error": run.error,
                    "rows": run.row_count,
                    "seconds": elapsed,
                    "peak_mb": (peak_kb + writer_kb) / 1024,
                    "compiler_mb": peak_kb / 1024,
                    "writer_mb": writer_kb / 1024,
                }
            )
        )
    finally:
        cr.rollback()
        cr.close()


def bench_xlsx(db, config):
    out = subprocess.run(
        [sys.executable, __file__, "--db", db, "--config", config, "--xlsx-child"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        print("customer-level XLSX: failed\n" + out.stderr[-2000:])
        return
    result = json.loads(lines[-1])
    if result["state"] != "done":
        print(f"customer-level XLSX: {result['state']}: {result['error']}")
        return
    rate = result["rows"] / result["seconds"] if result["seconds"] else 0
    print(
        f"customer-level XLSX: {result['rows']} rows in {result['seconds']:.1f}s = "
        f"{rate:,.0f} rows/s (target >= 25,000), peak memory {result['peak_mb']:.0f} MB "
        f"(target <= 500 MB: compiler {result['compiler_mb']:.0f} MB + XLSX writer "
        f"{result['writer_mb']:.0f} MB)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--config", default=os.path.join(ROOT, ".odoo-effective.conf"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--xlsx-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.xlsx_child:
        bench_xlsx_child(args.db, args.config)
        return
    env, cr = env_for(args.db, args.config)
    try:
        env.cr.execute("SELECT COUNT(*) FROM res_partner WHERE is_retail_customer")
        customers = env.cr.fetchone()[0]
        env.cr.execute("SELECT COUNT(*) FROM sale_order_line")
        lines = env.cr.fetchone()[0]
        print(f"database {args.db}: {customers:,} customers, {lines:,} sale lines")
        backfill = ensure_events(env)
        if backfill:
            print(f"backfilled {backfill[0]:,} sales events in {backfill[1]:.1f}s")
        bench_aggregated(env, args.repeat)
        bench_precalculated(env, args.repeat)
        cr.rollback()
    finally:
        cr.close()
    bench_xlsx(args.db, args.config)


if __name__ == "__main__":
    main()
