/** @odoo-module **/
/*
 * Numbers where 0 means "unknown" (ring sizes, lengths): shown empty instead
 * of "0.00". The stored value stays 0; typing a number sets it as usual.
 */
import {registry} from "@web/core/registry";
import {FloatField, floatField} from "@web/views/fields/float/float_field";
import {IntegerField, integerField} from "@web/views/fields/integer/integer_field";

export class BlankZeroFloatField extends FloatField {
    get formattedValue() {
        return this.value ? super.formattedValue : "";
    }
}

export class BlankZeroIntegerField extends IntegerField {
    get formattedValue() {
        return this.value ? super.formattedValue : "";
    }
}

registry.category("fields").add("crm_blank_zero_float", {
    ...floatField,
    component: BlankZeroFloatField,
});
registry.category("fields").add("crm_blank_zero_integer", {
    ...integerField,
    component: BlankZeroIntegerField,
});
