{
    "name": "Retail CRM: Jewellery",
    "summary": "Jewellery client file, certificates, custom orders and repairs, "
    "reminders, abnormal invoices, reviews and telephone service",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "Retail CRM HK",
    "website": "https://example.com/retail-crm-hk",
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": [
        "crm_retail_compile",
        "repair",
        "rating",
        "sale_sms",
    ],
    "data": [
        "security/crm_jewellery_ext_security.xml",
        "views/crm_jewellery_ext_menus.xml",
    ],
    "demo": [],
    "installable": True,
}
