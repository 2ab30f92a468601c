/** @odoo-module */
/**
 * Department dashboards (spreadsheet_dashboard): open every Retail CRM
 * dashboard the user sees, wait for its data and check that no cell
 * evaluates to an error (unknown field, refused access, bad formula). Run as
 * each role by crm_retail_compile/tests/test_dashboards.py.
 */
import { registry } from "@web/core/registry";

const GROUP = "Retail CRM";

function findComponent(node, predicate) {
    if (predicate(node.component)) {
        return node.component;
    }
    for (const child of Object.values(node.children)) {
        const found = findComponent(child, predicate);
        if (found) {
            return found;
        }
    }
    return null;
}

async function waitFor(condition, what, timeout = 30000) {
    const start = Date.now();
    while (!condition()) {
        if (Date.now() - start > timeout) {
            throw new Error(`timeout waiting for ${what}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

async function checkDashboards() {
    const action = findComponent(
        odoo.__WOWL_DEBUG__.root.__owl__,
        (c) => c && c.constructor.name === "SpreadsheetDashboardAction"
    );
    if (!action) {
        throw new Error("dashboard action not found");
    }
    const { waitForDataLoaded } = odoo.loader.modules.get("@spreadsheet/helpers/model");
    const group = action.getDashboardGroups().find((g) => g.name === GROUP);
    if (!group || !group.dashboards.length) {
        throw new Error("no Retail CRM dashboard");
    }
    const errors = [];
    const checked = [];
    for (const { id, displayName } of group.dashboards) {
        action.openDashboard(id);
        await waitFor(
            () =>
                action.state.activeDashboard?.id === id &&
                ["loaded", "error"].includes(String(action.state.activeDashboard.status).toLowerCase()),
            `dashboard ${displayName}`
        );
        const dashboard = action.state.activeDashboard;
        if (!dashboard.model) {
            errors.push(`${displayName}: not loaded (${dashboard.status})`);
            continue;
        }
        const model = dashboard.model;
        await waitForDataLoaded(model);
        let cells = 0;
        for (const sheetId of model.getters.getSheetIds()) {
            const sheetName = model.getters.getSheetName(sheetId);
            for (const cellId of Object.keys(model.getters.getCells(sheetId))) {
                const position = model.getters.getCellPosition(cellId);
                const cell = model.getters.getEvaluatedCell(position);
                cells++;
                if (cell.type === "error") {
                    const xc = `${position.col},${position.row}`;
                    errors.push(`${displayName} ${sheetName}!${xc}: ${cell.value} ${cell.message || ""}`);
                }
            }
            for (const figure of model.getters.getFigures(sheetId)) {
                if (figure.tag === "chart") {
                    model.getters.getChartRuntime(figure.id);
                }
            }
        }
        checked.push(`${displayName} (${cells} cells)`);
    }
    if (errors.length) {
        throw new Error("dashboard errors:\n" + errors.join("\n"));
    }
    console.log("dashboards checked: " + checked.join(", "));
}

registry.category("web_tour.tours").add("crm_retail_dashboards_evaluate", {
    steps: () => [
        {
            content: "a dashboard is shown",
            trigger: ".o_spreadsheet_dashboard_action .o_renderer",
        },
        {
            content: "every Retail CRM dashboard evaluates without error",
            trigger: ".o_spreadsheet_dashboard_action",
            run: checkDashboards,
        },
        {
            content: "done",
            trigger: ".o_spreadsheet_dashboard_action .o_renderer",
        },
    ],
});
