def post_init_hook(env):
    """Record the sales-cycle events of the data that existed before the
    module was installed, and build the customer profit table from them."""
    env["crm.sales.event"]._sync_all()
    env["crm.customer.profit"]._refresh(full=True)


def uninstall_hook(env):
    """Empty the add-on's tables before Odoo removes its data, and drop what
    its ``init()`` methods created outside Odoo's bookkeeping: the phone-key
    function, the indexes on res_partner and sale_order and the side tables (see
    crm_privacy_pdpo/hooks.py)."""
    from odoo.tools import SQL

    from odoo.addons.crm_privacy_pdpo.hooks import drop_indexes, empty_module_tables

    from .models.sale_order import API_REF_INDEX

    empty_module_tables(env, "crm_retail_compile")
    drop_indexes(env, [API_REF_INDEX], ["res\\_partner\\_crm\\_%"])
    env.cr.execute(SQL("DROP FUNCTION IF EXISTS crm_phone_key(text)"))
    # side tables of init(), not models: the profit queue and the report progress
    env.cr.execute(
        SQL(
            "DROP TABLE IF EXISTS crm_customer_profit_dirty, "
            "crm_customer_profit_dirty_partner, crm_report_run_progress"
        )
    )
    # the order-line rollup's triggers on Odoo's tables (they would go on
    # queueing orders into a table nobody reads), the report cells' change
    # logs and their trigger functions, and the queues and states of both
    for table, trigger in (
        ("sale_order_line", "crm_sales_line_rollup_ins"),
        ("sale_order_line", "crm_sales_line_rollup_upd"),
        ("sale_order_line", "crm_sales_line_rollup_del"),
        ("sale_order", "crm_sales_line_rollup_order"),
        ("product_template", "crm_sales_line_rollup_template"),
        ("product_product", "crm_sales_line_rollup_product"),
    ):
        env.cr.execute(
            SQL("DROP TRIGGER IF EXISTS %s ON %s", SQL.identifier(trigger), SQL.identifier(table))
        )
    functions = [r"crm\_sales\_line\_rollup\_mark\_%", r"crm\_report\_cell\_%"]
    env.cr.execute(
        SQL(
            """SELECT p.oid::regprocedure::text FROM pg_proc p
                 JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = current_schema() AND p.proname LIKE ANY(%s)""",
            functions,
        )
    )
    for (signature,) in env.cr.fetchall():
        env.cr.execute(SQL("DROP FUNCTION IF EXISTS %s CASCADE", SQL(signature)))
    env.cr.execute(
        SQL(
            """SELECT tablename FROM pg_tables
                WHERE schemaname = current_schema() AND tablename LIKE ANY(%s)""",
            [r"crm\_report\_cell\_%", r"crm\_sales\_line\_rollup%"],
        )
    )
    tables = [row[0] for row in env.cr.fetchall()]
    if tables:
        env.cr.execute(
            SQL("DROP TABLE IF EXISTS %s CASCADE", SQL(", ").join(map(SQL.identifier, tables)))
        )
    # the change logs' sequences (owned by no table)
    env.cr.execute(
        SQL(
            """SELECT sequencename FROM pg_sequences
                WHERE schemaname = current_schema() AND sequencename LIKE %s""",
            r"crm\_report\_cell\_log\_%",
        )
    )
    sequences = [row[0] for row in env.cr.fetchall()]
    if sequences:
        env.cr.execute(
            SQL("DROP SEQUENCE IF EXISTS %s", SQL(", ").join(map(SQL.identifier, sequences)))
        )
