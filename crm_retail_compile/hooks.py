def post_init_hook(env):
    """Record the sales-cycle events of the data that existed before the
    module was installed, and build the customer profit table from them."""
    env["crm.sales.event"]._sync_all()
    env["crm.customer.profit"]._refresh(full=True)
