import { registry } from "@web/core/registry";

/**
 * One tour per Retail CRM role: the user lands on the Retail CRM home page
 * (its home action), finds the cards of its role, opens one card's list,
 * then opens a customer. Elements are found by data attributes and classes,
 * never by text, so the same tours run in English and in Traditional
 * Chinese.
 */
const HOME = ".o_crm_retail_home";

function card(key) {
    return `${HOME} .o_crm_home_card[data-card='${key}']`;
}

function roleSteps(section, cards, openCard) {
    const steps = [
        {
            content: "land on the Retail CRM home page",
            trigger: `${HOME} .o_crm_home_section[data-section='${section}']`,
        },
    ];
    for (const key of cards) {
        steps.push({
            content: `card ${key} shows its count`,
            trigger: `${card(key)} .o_crm_home_count`,
        });
    }
    steps.push(
        {
            content: `open the list of card ${openCard}`,
            trigger: `${card(openCard)} .o_crm_home_card_open`,
            run: "click",
        },
        {
            content: "the filtered list is open",
            trigger: ".o_action_manager .o_list_view",
        },
        {
            content: "open the Customers menu",
            trigger: ".o_menu_sections [data-menu-xmlid='crm_privacy_pdpo.menu_retail_crm_customers']",
            run: "click",
        },
        {
            content: "open the customer list",
            trigger: ".o-dropdown-item[data-menu-xmlid='crm_retail_compile.res_partner_menu_retail_customer']",
            run: "click",
        },
        {
            content: "open a customer",
            trigger: ".o_kanban_view .o_kanban_record:not(.o_kanban_ghost)",
            run: "click",
        },
        {
            content: "the customer's form is open",
            trigger: ".o_form_view .o_field_widget[name='name']",
        }
    );
    return steps;
}

const TOURS = {
    crm_retail_home_staff: roleSteps(
        "staff",
        ["customers", "birthdays_today", "birthdays_week", "dq_open", "my_activities", "repairs_open", "custom_orders_due", "anniversaries_week"],
        "repairs_open"
    ),
    crm_retail_home_manager: roleSteps(
        "manager",
        ["customers", "dq_open", "sales_today", "sales_month", "repairs_open"],
        "sales_month"
    ),
    crm_retail_home_analyst: roleSteps(
        "analyst",
        ["reports", "reports_scheduled", "runs_week", "runs_failed", "forecasts"],
        "reports"
    ),
    crm_retail_home_privacy: roleSteps(
        "privacy",
        ["requests_open", "requests_overdue", "requests_due_week", "consents_withdrawn", "exports_waiting", "breaches_open"],
        "requests_open"
    ),
    crm_retail_home_admin: roleSteps(
        "admin",
        ["jobs_queued", "jobs_failed", "dq_scans", "dq_high"],
        "jobs_queued"
    ),
};

for (const [name, steps] of Object.entries(TOURS)) {
    registry.category("web_tour.tours").add(name, { url: "/odoo", steps: () => steps });
}
