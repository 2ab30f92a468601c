{
    "name": "Retail CRM: Hong Kong Privacy (PDPO)",
    "summary": "Personal Data (Privacy) Ordinance compliance for the Retail CRM suite",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "Retail CRM HK",
    "website": "https://example.com/retail-crm-hk",
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": [
        "contacts",
        "crm",
        "mass_mailing_sms",
        "privacy_lookup",
        "portal",
    ],
    "data": [
        "security/crm_privacy_pdpo_security.xml",
        "views/crm_privacy_pdpo_menus.xml",
    ],
    "demo": [],
    "application": True,
    "installable": True,
}
