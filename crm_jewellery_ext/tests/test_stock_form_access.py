from lxml import etree

from odoo.tests import Form, TransactionCase, tagged

SUITE_MODULES = ("crm_privacy_pdpo", "crm_retail_compile", "crm_jewellery_ext")

# stock model -> groups of the plain internal user of the stock app that opens its views
APP_USER_GROUPS = {
    "res.partner": ["base.group_user"],
    "crm.lead": ["base.group_user", "sales_team.group_sale_salesman"],
    "sale.order": ["base.group_user", "sales_team.group_sale_salesman"],
    "account.move": ["base.group_user", "account.group_account_invoice"],
    "stock.picking": ["base.group_user", "stock.group_stock_user"],
    "repair.order": ["base.group_user", "stock.group_stock_user"],
    "res.users": ["base.group_user", "base.group_erp_manager"],
    "mailing.mailing": ["base.group_user", "mass_mailing.group_mass_mailing_user"],
}


@tagged("post_install", "-at_install")
class TestStockFormAccess(TransactionCase):
    """Every field the suite shows on a stock view is readable by the plain users of
    the stock app who open that view, or hidden from them with ``groups``."""

    def _user(self, model):
        groups = [self.env.ref(xmlid).id for xmlid in APP_USER_GROUPS[model]]
        login = "w5.plain." + model.replace(".", "_")
        return self.env["res.users"].create(
            {
                "name": f"Plain {model}",
                "login": login,
                "email": login + "@example.com",
                "groups_id": [(6, 0, groups)],
            }
        )

    def _suite_extended_views(self):
        """Primary stock views (model, id, type) that a suite view inherits from."""
        data = self.env["ir.model.data"].search(
            [("module", "in", SUITE_MODULES), ("model", "=", "ir.ui.view")]
        )
        views = (
            self.env["ir.ui.view"]
            .browse(data.mapped("res_id"))
            .filtered(lambda v: v.model in APP_USER_GROUPS and v.inherit_id)
        )
        roots = set()
        for view in views:
            root = view
            while root.inherit_id and root.mode != "primary":
                root = root.inherit_id
            if root.type in ("form", "list"):
                roots.add((root.model, root.id, root.type))
        return sorted(roots)

    def _suite_field_names(self):
        """{model: names of the fields the suite's inherited views show}."""
        data = self.env["ir.model.data"].search(
            [("module", "in", SUITE_MODULES), ("model", "=", "ir.ui.view")]
        )
        names = {}
        for view in self.env["ir.ui.view"].browse(data.mapped("res_id")):
            if view.model in APP_USER_GROUPS and view.inherit_id:
                arch = etree.fromstring(view.arch_db)
                names.setdefault(view.model, set()).update(
                    node.get("name") for node in arch.iter("field") if node.get("name")
                )
        return names

    def _unreadable(self, user, model, arch, suite_names):
        """Fields the suite added to the arch (as ``user`` gets it) that ``user``
        cannot read, with the fields of their sub-views."""
        problems = []

        def walk(node, model_name, in_suite):
            Model = self.env[model_name].with_user(user)
            for child in node:
                if not isinstance(child.tag, str):
                    continue
                sub_model = model_name
                if child.tag == "field":
                    field = Model._fields.get(child.get("name"))
                    if field is None:
                        continue
                    if not in_suite and field.name not in suite_names:
                        walk(child, field.comodel_name or model_name, False)
                        continue
                    if not field.is_accessible(Model.env):
                        problems.append(f"{model_name}.{field.name} (field groups)")
                        continue
                    if field.type in ("one2many", "many2many"):
                        if not self.env[field.comodel_name].with_user(user).has_access("read"):
                            problems.append(
                                f"{model_name}.{field.name} -> {field.comodel_name} (no read ACL)"
                            )
                            continue
                        sub_model = field.comodel_name
                    walk(child, sub_model, True)
                    continue
                walk(child, sub_model, in_suite)

        walk(arch, model, False)
        return problems

    def test_suite_fields_on_stock_views_are_readable(self):
        roots = self._suite_extended_views()
        self.assertTrue({model for model, _vid, _type in roots} >= {"res.partner", "crm.lead"})
        suite_names = self._suite_field_names()
        users = {}
        problems = []
        for model, view_id, view_type in roots:
            user = users.get(model) or users.setdefault(model, self._user(model))
            Model = self.env[model].with_user(user)
            if not Model.has_access("read"):
                continue  # the user cannot open this view at all
            arch = etree.fromstring(Model.get_view(view_id, view_type)["arch"])
            problems += [
                f"{p} in view {view_id}"
                for p in self._unreadable(user, model, arch, suite_names[model])
            ]
        self.assertFalse(problems, "fields shown to users who cannot read them")

    def test_plain_user_opens_and_saves_customer_form(self):
        """Odoo's account test edits a partner as a plain internal user: the form's
        consent history must not raise an AccessError."""
        partner = self.env["res.partner"].create({"name": "Walk-in", "email": "w@example.com"})
        self.pics = self.env["crm.privacy.pics"].create(
            {"name": "PICS", "version": "w5-1", "text_en": "<p>EN</p>", "text_zh": "<p>中</p>"}
        )
        self.pics.action_activate()
        purpose = self.env.ref("crm_privacy_pdpo.purpose_promotions")
        self.env["crm.privacy.consent"].create(
            {
                "partner_id": partner.id,
                "purpose_id": purpose.id,
                "channel": "email",
                "use": "own_use",
                "kind": "opt_in",
                "source": "web",
                "pics_id": self.pics.id,
            }
        )
        user = self._user("res.partner")
        user.groups_id += self.env.ref("base.group_partner_manager")
        form = Form(partner.with_user(user))
        form.name = "Walk-in customer"
        form.save()
        self.assertEqual(partner.name, "Walk-in customer")
