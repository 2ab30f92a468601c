from odoo import api, fields, models

# Department analysts see the records of their own department; the privacy
# officer and Retail CRM administrators see every department's.
DEPARTMENT_RULE_ANALYST = "[('{field}', '=', user.retail_department_id.id)]"
DEPARTMENT_RULE_ALL = "[(1, '=', 1)]"


class CrmDepartmentMixin(models.AbstractModel):
    """Give a model a department and the department rules.

    One line in the module's security XML installs the rules::

        <function model="crm.department.mixin" name="_install_department_rules"
                  eval="['my_module', 'my.model']"/>
    """

    _name = "crm.department.mixin"
    _description = "Department-scoped record"

    retail_department_id = fields.Many2one(
        "crm.retail.department",
        string="Department",
        index=True,
        ondelete="restrict",
        default=lambda self: self.env.user.retail_department_id,
    )

    @api.model
    def _install_department_rules(self, module, model_name, field_name="retail_department_id"):
        model = self.env["ir.model"]._get(model_name)
        prefix = "{}.{}".format(module, model_name.replace(".", "_"))
        ref = self.env.ref
        self.env["ir.rule"]._load_records(
            [
                {
                    "xml_id": f"{prefix}_rule_department_analyst",
                    "noupdate": False,
                    "values": {
                        "name": f"{model.name}: own department",
                        "model_id": model.id,
                        "domain_force": DEPARTMENT_RULE_ANALYST.format(field=field_name),
                        "groups": [(6, 0, ref("crm_retail_compile.group_department_analyst").ids)],
                    },
                },
                {
                    "xml_id": f"{prefix}_rule_department_all",
                    "noupdate": False,
                    "values": {
                        "name": f"{model.name}: all departments",
                        "model_id": model.id,
                        "domain_force": DEPARTMENT_RULE_ALL,
                        "groups": [
                            (
                                6,
                                0,
                                (
                                    ref("crm_retail_compile.group_retail_admin")
                                    | ref("crm_privacy_pdpo.group_privacy_officer")
                                ).ids,
                            )
                        ],
                    },
                },
            ],
            update=True,
        )
        return True
