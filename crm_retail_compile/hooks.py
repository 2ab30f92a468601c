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
