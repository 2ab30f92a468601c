import { registry } from "@web/core/registry";
import { menu } from "@crm_retail_compile/../tests/tours/tour_steps";

/**
 * Each role's main task (crm_retail_compile/tests/test_journey_tours.py).
 * Elements are found by data attributes, field names and menu xml-ids, and
 * records by the names the test gives them, never by a label, so the same
 * steps run in English and in Traditional Chinese; the "_zh_hk" variant of
 * each tour adds steps that find a Chinese label, proving the language is
 * in effect.
 */
const HOME = ".o_crm_retail_home";

function homeSection(section) {
    return {
        content: `land on the Retail CRM home page (${section})`,
        trigger: `${HOME} .o_crm_home_section[data-section='${section}']`,
    };
}

function register(name, steps, zhSteps) {
    registry.category("web_tour.tours").add(name, { url: "/odoo", steps: () => steps(false) });
    registry
        .category("web_tour.tours")
        .add(`${name}_zh_hk`, { url: "/odoo", steps: () => steps(zhSteps) });
}

// --- staff: a new customer with a bad phone number, corrected -----------------
const PHONE = ".o_form_view .o_field_widget[name='phone'] input";

register(
    "crm_retail_journey_staff_customer",
    (zh) => [
        homeSection("staff"),
        ...(zh
            ? [
                  {
                      content: "the Customers menu is in Chinese",
                      trigger:
                          ".o_menu_sections [data-menu-xmlid='crm_privacy_pdpo.menu_retail_crm_customers']:contains(客戶)",
                  },
              ]
            : []),
        ...menu(
            "crm_privacy_pdpo.menu_retail_crm_customers",
            "crm_retail_compile.res_partner_menu_retail_customer"
        ),
        {
            content: "create a customer",
            trigger: ".o_kanban_view .o-kanban-button-new",
            run: "click",
        },
        {
            content: "the retail profile is the first tab, open",
            trigger: ".o_form_view .o_notebook .nav-item:first-child a.active[name='retail_profile']",
        },
        {
            content: "type the name",
            trigger: ".o_form_view .o_field_widget[name='name'] textarea, .o_form_view .o_field_widget[name='name'] input",
            run: "edit Tour New Customer",
        },
        {
            content: "type a bad phone number",
            trigger: PHONE,
            run: "edit 12345",
        },
        {
            content: "leave the field",
            trigger: ".o_form_view .o_field_widget[name='email'] input",
            run: "click",
        },
        {
            content: "a warning says what is wrong and what good looks like",
            trigger: zh
                ? ".modal .o_error_dialog:contains(12345):contains(+852 9123 4567):contains(核對聯絡資料)"
                : ".modal .o_error_dialog:contains(12345):contains(+852 9123 4567)",
        },
        {
            content: "close the warning",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "try to save anyway",
            trigger: "body:not(:has(.modal)) .o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "the save is refused with the same clear message",
            trigger: ".modal .o_error_dialog:contains(12345):contains(+852 9123 4567)",
        },
        {
            content: "close the message",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "correct the number",
            trigger: `body:not(:has(.modal)) ${PHONE}`,
            run: "edit 9187 6543",
        },
        {
            content: "leave the field",
            trigger: ".o_form_view .o_field_widget[name='email'] input",
            run: "click",
        },
        {
            content: "the number is normalised as it is typed",
            trigger: `${PHONE}:value(+852 9187 6543)`,
        },
        {
            content: "save",
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "the customer is saved",
            trigger: ".o_form_view .o_form_saved",
        },
    ],
    true
);

// --- branch manager: the branch's sales and pipeline ---------------------------
register(
    "crm_retail_journey_manager",
    (zh) => [
        homeSection("manager"),
        ...(zh
            ? [
                  {
                      content: "the sales card is in Chinese",
                      trigger: `${HOME} .o_crm_home_card[data-card='sales_month'] .o_crm_home_card_title:contains(本月銷售)`,
                  },
              ]
            : []),
        {
            content: "open the branch's sales of the month",
            trigger: `${HOME} .o_crm_home_card[data-card='sales_month'] .o_crm_home_card_open`,
            run: "click",
        },
        {
            content: "the branch's order is listed",
            trigger: ".o_list_view .o_data_row:contains(SO-TOUR-CEN)",
        },
        {
            content: "another branch's order is not",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(SO-TOUR-MK)))",
        },
        ...menu("crm_privacy_pdpo.menu_retail_crm_sales", "crm_retail_compile.crm_lead_menu_retail"),
        {
            content: "the pipeline is open",
            trigger: ".o_kanban_view .o_kanban_record",
        },
        {
            content: "show every opportunity, not only mine",
            trigger: ".o_searchview_facet .o_facet_remove",
            run: "click",
        },
        {
            content: "the branch's opportunity is in the pipeline",
            trigger: ".o_kanban_view .o_kanban_record:contains(Tour Lead Central)",
        },
        {
            content: "another branch's opportunity is not",
            trigger: ".o_kanban_renderer:not(:has(.o_kanban_record:contains(Tour Lead Mong Kok)))",
        },
        ...menu(
            "crm_privacy_pdpo.menu_retail_crm_reporting",
            "crm_retail_compile.crm_sales_cycle_report_menu"
        ),
        {
            content: "the sales-cycle analysis by branch is open",
            trigger: ".o_pivot_view .o_pivot table",
        },
    ],
    true
);

// --- analyst: run a department report, find its download -----------------------
register(
    "crm_retail_journey_analyst",
    (zh) => [
        homeSection("analyst"),
        ...menu(
            "crm_privacy_pdpo.menu_retail_crm_reporting",
            "crm_retail_compile.crm_report_template_menu_dashboard"
        ),
        ...(zh
            ? [
                  {
                      content: "the Run button is in Chinese",
                      trigger: ".o_kanban_record:contains(Tour Consent Coverage) button[name='action_open_query']:contains(執行)",
                  },
              ]
            : []),
        {
            content: "run the report",
            trigger: ".o_kanban_record:contains(Tour Consent Coverage) button[name='action_open_query']",
            run: "click",
        },
        {
            content: "compile it",
            trigger: ".modal .o_field_widget[name='template_id'] input:value(Tour Consent Coverage)",
        },
        {
            content: "confirm",
            trigger: ".modal .modal-footer button[name='action_run']",
            run: "click",
        },
        {
            content: "the result is shown",
            trigger: "body:not(:has(.modal)) .o_action_manager :is(.o_pivot_view, .o_form_view)",
        },
        ...menu(
            "crm_privacy_pdpo.menu_retail_crm_reporting",
            "crm_retail_compile.crm_report_run_menu"
        ),
        {
            content: "open the latest run",
            trigger: ".o_list_view .o_data_row:first:contains(Tour Consent Coverage) .o_data_cell",
            run: "click",
        },
        {
            content: "the run is done and offers its XLSX download",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_download_xlsx']",
        },
    ],
    true
);

// --- privacy officer: an access request and its days left ----------------------
register(
    "crm_retail_journey_privacy",
    (zh) => [
        homeSection("privacy"),
        {
            content: "the request shows its days left before the 40-day deadline",
            trigger: zh
                ? `${HOME} .o_crm_home_card[data-card='requests_open'] .o_crm_home_item:contains(AR-TOUR-1) .badge:contains(30):contains(日後到期)`
                : `${HOME} .o_crm_home_card[data-card='requests_open'] .o_crm_home_item:contains(AR-TOUR-1) .badge:contains(30)`,
        },
        {
            content: "open the request",
            trigger: `${HOME} .o_crm_home_card[data-card='requests_open'] .o_crm_home_item:contains(AR-TOUR-1) a`,
            run: "click",
        },
        {
            content: "the request's form shows its deadline",
            trigger: ".o_form_view .o_field_widget[name='due_date']",
        },
        {
            content: "it is the request opened",
            trigger: ".o_form_view .o_field_widget[name='name']:contains(AR-TOUR-1)",
        },
    ],
    true
);
