import { registry } from "@web/core/registry";

/**
 * Staff receive a repair at the counter (crm_jewellery_ext/tests/
 * test_repair_tours.py): from the home page to Jewellery > Repairs and
 * Services, a new repair for a customer, saved, its jewellery service tab
 * open. Elements are found by menu xml-ids and field names, records by the
 * names the test gives them; the "_zh_hk" variant also finds the menu's
 * Chinese label.
 */
function steps(zh) {
    return [
        {
            content: "land on the Retail CRM home page",
            trigger: ".o_crm_retail_home .o_crm_home_section[data-section='staff'] .o_crm_home_card[data-card='repairs_open']",
        },
        {
            content: "open the Jewellery menu",
            trigger: ".o_menu_sections [data-menu-xmlid='crm_jewellery_ext.menu_retail_crm_jewellery']",
            run: "click",
        },
        ...(zh
            ? [
                  {
                      content: "the repairs menu is in Chinese",
                      trigger: ".o-dropdown-item[data-menu-xmlid='crm_jewellery_ext.menu_jewellery_repair']:contains(維修及服務)",
                  },
              ]
            : []),
        {
            content: "open the repairs",
            trigger: ".o-dropdown-item[data-menu-xmlid='crm_jewellery_ext.menu_jewellery_repair']",
            run: "click",
        },
        {
            content: "receive a new repair",
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            content: "choose the customer",
            trigger: ".o_form_view .o_field_widget[name='partner_id'] input",
            run: "edit Tour Repair Customer",
        },
        {
            content: "pick it",
            trigger: ".o-autocomplete--dropdown-item a:contains(Tour Repair Customer)",
            run: "click",
        },
        {
            content: "choose the piece",
            trigger: ".o_form_view .o_field_widget[name='product_id'] input",
            run: "edit Tour Gold Ring",
        },
        {
            content: "pick it",
            trigger: ".o-autocomplete--dropdown-item a:contains(Tour Gold Ring)",
            run: "click",
        },
        {
            content: "open the jewellery service tab",
            trigger: ".o_form_view .o_notebook a[name='jewellery']",
            run: "click",
        },
        {
            content: "the service type is there",
            trigger: ".o_form_view .o_field_widget[name='jewellery_service_type']",
        },
        {
            content: "save",
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "the repair is saved",
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "its customer status is shown",
            trigger: ".o_form_view .o_field_widget[name='customer_status']",
        },
    ];
}

registry
    .category("web_tour.tours")
    .add("crm_jewellery_repair_staff", { url: "/odoo", steps: () => steps(false) })
    .add("crm_jewellery_repair_staff_zh_hk", { url: "/odoo", steps: () => steps(true) });

/**
 * Unknown values read as empty on the customer form
 * (crm_jewellery_ext/tests/test_repair_tours.py): a customer without ring
 * sizes or birthday shows empty inputs, not "0" or "0.00" or "0 / 0"; a size
 * typed in is saved.
 */
function expectEmpty(fieldName) {
    return {
        content: `${fieldName} is shown empty`,
        trigger: `.o_form_view .o_field_widget[name='${fieldName}'] input, .o_form_view .o_field_widget[name='${fieldName}'] select`,
        run() {
            const value = this.anchor.tagName === "SELECT"
                ? this.anchor.options[this.anchor.selectedIndex]?.value
                : this.anchor.value;
            if (value && value !== "false") {
                throw new Error(`${fieldName} shows "${value}" for an unknown value`);
            }
        },
    };
}

registry.category("web_tour.tours").add("crm_jewellery_blank_sizes", {
    steps: () => [
        expectEmpty("birthday_day_choice"),
        expectEmpty("birthday_month_choice"),
        {
            content: "open the jewellery tab",
            trigger: ".o_form_view .o_notebook a[name='jewellery']",
            run: "click",
        },
        expectEmpty("ring_size_hk"),
        expectEmpty("ring_size_us"),
        expectEmpty("ring_size_eu"),
        {
            content: "type the Hong Kong ring size",
            trigger: ".o_form_view .o_field_widget[name='ring_size_hk'] input",
            run: "edit 14",
        },
        {
            content: "save",
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "saved",
            trigger: ".o_form_view .o_form_saved",
        },
    ],
});
