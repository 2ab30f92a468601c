{
    "name": "Retail CRM: Compile",
    "summary": "Branches, departments, retail customer profiles, sales-cycle records "
    "and department reports for Hong Kong retailers",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "Retail CRM HK",
    "website": "https://example.com/retail-crm-hk",
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": [
        "crm_privacy_pdpo",
        "sale_crm",
        "sale_margin",
        "sale_stock",
    ],
    "data": [
        "security/crm_retail_compile_security.xml",
        "security/ir.model.access.csv",
        "data/crm_hk_district_data.xml",
        "data/crm_retail_compile_data.xml",
        "views/crm_retail_branch_views.xml",
        "views/crm_retail_config_views.xml",
        "views/res_users_views.xml",
        "views/res_partner_views.xml",
        "views/crm_lead_views.xml",
        "views/sale_order_views.xml",
        "views/crm_retail_compile_menus.xml",
    ],
    "demo": [
        "demo/crm_retail_compile_demo.xml",
    ],
    "installable": True,
}
