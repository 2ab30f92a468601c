"""Run the suite's scheduled jobs once on a database, so that a freshly
generated demo shows sales events, customer profit, segments and forecasts,
data-quality issues, abnormal-invoice cases and pre-calculated reports at once (instead of after
the first nightly run).

    .venv/bin/python setup/prepare_demo.py --db crm_retail [--config .odoo-effective.conf]
"""

import argparse
import os
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--config", default=os.path.join(ROOT, ".odoo-effective.conf"))
    args = parser.parse_args()

    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    registry = Registry(args.db)
    steps = [
        ("sales events and customer profit", lambda env: env["crm.sales.event"]._job_sync()),
        (
            "segments, affinities and forecasts",
            lambda env: env["res.partner"]._refresh_customer_analytics(),
        ),
        (
            "data-quality scan",
            lambda env: env["crm.dq.scan"]._create_scan(trigger="manual")._run_all(),
        ),
        (
            "abnormal-invoice scan",
            lambda env: (
                "crm.jewellery.abnormal.rule" in env
                and env["crm.jewellery.abnormal.rule"]._cron_scan()
            ),
        ),
        (
            "pre-calculated reports",
            lambda env: env["crm.report.template"]._job_refresh_snapshots(),
        ),
    ]
    for label, step in steps:
        start = time.perf_counter()
        # one transaction per step: a failing step leaves the others' work
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            step(env)
        print(f"[demo] {label}: {time.perf_counter() - start:.1f}s", flush=True)


if __name__ == "__main__":
    main()
