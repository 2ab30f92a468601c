from odoo.addons.crm_privacy_pdpo.hooks import empty_module_tables


def uninstall_hook(env):
    """Empty the add-on's tables before Odoo removes its data (see
    crm_privacy_pdpo/hooks.py)."""
    empty_module_tables(env, "crm_jewellery_ext")
