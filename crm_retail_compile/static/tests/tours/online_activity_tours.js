import { registry } from "@web/core/registry";

/**
 * Branch staff open a customer's online behaviour from the customer form
 * (crm_retail_compile/tests/test_online_activity.py): the smart button
 * counts the activities, the "Online Activity" tab lists the latest ones
 * and the preferences derived from them, and the button opens the
 * customer's activities newest first. Found by field names, never labels.
 */
registry.category("web_tour.tours").add("crm_retail_online_activity", {
    steps: () => [
        {
            content: "the smart button counts the customer's online activities",
            trigger:
                ".o_form_view button[name='action_view_online_activity'] .o_stat_value:contains(3)",
        },
        {
            content: "open the online activity tab",
            trigger: ".o_form_view .o_notebook a[name='retail_online_activity']",
            run: "click",
        },
        {
            content: "the latest activities are listed, newest first",
            trigger:
                ".o_field_widget[name='online_recent_activity_ids'] .o_data_row:first-child:contains(Tour Online Pendant)",
        },
        {
            content: "the preference from online behaviour is shown",
            trigger:
                ".o_field_widget[name='online_preference_ids'] .o_data_row:contains(Tour Online Category)",
        },
        {
            content: "open the customer's online activity",
            trigger: ".o_form_view button[name='action_view_online_activity']",
            run: "click",
        },
        {
            content: "the customer's three activities, newest first",
            trigger:
                ".o_list_view:has(.o_data_row:nth-child(3)):not(:has(.o_data_row:nth-child(4))) .o_data_row:first-child [name='product_id']:contains(Tour Online Pendant)",
        },
    ],
});
