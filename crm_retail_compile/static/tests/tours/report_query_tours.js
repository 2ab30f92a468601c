import { registry } from "@web/core/registry";
import { menu } from "@crm_retail_compile/../tests/tours/tour_steps";

/**
 * The ad-hoc query tool (crm_retail_compile/tests/test_report_query_tour.py):
 * the marketing analyst builds a query (a dataset, a dimension, two
 * measures), sees the pivot, saves it as a template of the department and
 * opens the department's dashboard. Elements are found by field names and
 * menu xml-ids, records by the names the test gives them.
 */
const FORM = ".o_form_view";
// the Marketing dashboard's name in English and Traditional Chinese
const MARKETING = ["Marketing", "市場"];

function pick(field, text, label) {
    return [
        {
            content: `type ${text} in ${field}`,
            trigger: `${FORM} .o_field_widget[name='${field}'] input`,
            run: `edit ${text}`,
        },
        {
            content: `pick ${label}`,
            trigger: `.o-autocomplete--dropdown-menu .o-autocomplete--dropdown-item:contains(${label})`,
            run: "click",
        },
        {
            content: `${label} is among the ${field}`,
            trigger: `${FORM} .o_field_widget[name='${field}'] .o_tag:contains(${label})`,
        },
    ];
}

function steps(zh) {
    return [
        {
            content: "land on the Retail CRM home page",
            trigger: ".o_crm_retail_home",
        },
        ...menu("crm_privacy_pdpo.menu_retail_crm_reporting", "crm_retail_compile.crm_report_query_menu"),
        {
            content: "the query tool opens in the main area",
            trigger: `body:not(:has(.modal)) .o_action_manager ${FORM} .o_field_widget[name='dataset'] select`,
        },
        {
            content: "choose the order lines dataset",
            trigger: `${FORM} .o_field_widget[name='dataset'] select`,
            run: 'select "order_lines"',
        },
        {
            content: "the form has applied the dataset (its onchange is queued)",
            trigger: `${FORM} .o_field_widget[name='dataset'] select`,
            run: () => new Promise((resolve) => setTimeout(resolve, 1000)),
        },
        // the lists show labels in the user's language, found by them too
        ...(zh
            ? [
                  ...pick("dimension_ids", "分店", "分店"),
                  ...pick("measure_ids", "收入", "收入"),
                  ...pick("measure_ids", "訂單", "訂單"),
              ]
            : [
                  ...pick("dimension_ids", "Branch", "Branch"),
                  ...pick("measure_ids", "Revenue", "Revenue"),
                  ...pick("measure_ids", "Orders", "Orders"),
              ]),
        {
            content: "no period grouping",
            trigger: `${FORM} .o_field_widget[name='period'] select`,
            run: 'select "none"',
        },
        {
            content: "run it",
            trigger: `${FORM} .o_form_statusbar button[name='action_run']`,
            run: "click",
        },
        {
            content: "the pivot shows the revenue per branch",
            trigger: `.o_pivot_view .o_pivot table:contains(${zh ? "導覽查詢中環" : "Tour Query Central"}):contains(${zh ? "收入" : "Revenue"})`,
        },
        {
            content: "the graph is one click away",
            trigger: ".o_control_panel .o_switch_view.o_graph",
        },
        {
            content: "back to the query",
            trigger: ".o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            content: "the last result is shown",
            trigger: `${FORM} .o_field_widget[name='run_id']`,
        },
        {
            content: "name the template",
            trigger: `${FORM} .o_field_widget[name='name'] input`,
            run: "edit Tour Ad-hoc Revenue",
        },
        {
            content: "save it as a template",
            trigger: `${FORM} .o_form_statusbar button[name='action_save_template']`,
            run: "click",
        },
        {
            content: "the department's new template is open",
            trigger: `${FORM} .o_field_widget[name='name']:contains(Tour Ad-hoc Revenue)`,
        },
        {
            content: "open the dashboards",
            trigger: ".o_menu_sections [data-menu-xmlid='crm_retail_compile.spreadsheet_dashboard_menu_retail']",
            run: "click",
        },
        {
            content: "open the department's dashboard",
            trigger: `.o_spreadsheet_dashboard_action .o_search_panel_category_value:contains(${MARKETING[zh ? 1 : 0]})`,
            run: "click",
        },
        {
            content: "the department's dashboard is shown",
            trigger: `.o_spreadsheet_dashboard_action:has(.o_search_panel_category_value.active:contains(${MARKETING[zh ? 1 : 0]})) .o_renderer`,
        },
    ];
}

registry.category("web_tour.tours").add("crm_retail_report_query", { url: "/odoo", steps: () => steps(false) });
registry
    .category("web_tour.tours")
    .add("crm_retail_report_query_zh_hk", { url: "/odoo", steps: () => steps(true) });
