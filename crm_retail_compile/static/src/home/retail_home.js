import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

/**
 * The Retail CRM home page: one card per thing the user's role acts on
 * today, fed by one server call (crm.retail.home/get_home_data, with the
 * user's own rights). A card opens its filtered list.
 */
export class RetailHome extends Component {
    static template = "crm_retail_compile.RetailHome";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.state = useState({ data: null });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call("crm.retail.home", "get_home_data", []);
    }

    get labels() {
        return {
            title: _t("Retail CRM"),
            refresh: _t("Refresh"),
            daysLeft: _t("days left"),
            daysOverdue: _t("days overdue"),
            vsLastYear: _t("vs last year"),
            empty: _t("Nothing needs you in the Retail CRM today."),
        };
    }

    cardClass(card) {
        const classes = ["o_crm_home_card", "card", "h-100"];
        if (card.severity && card.count) {
            classes.push(`border-${card.severity}`);
        }
        return classes.join(" ");
    }

    openCard(card) {
        return this.actionService.doAction(card.action);
    }

    openItem(card, item) {
        return this.actionService.doAction({
            type: "ir.actions.act_window",
            res_model: card.item_model,
            res_id: item.id,
            views: [[false, "form"]],
            target: "current",
        });
    }
}

registry.category("actions").add("crm_retail_home", RetailHome);
