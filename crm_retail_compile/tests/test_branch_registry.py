from odoo.tests import TransactionCase, tagged

RETAIL_ROLES = (
    "crm_retail_compile.group_branch_staff",
    "crm_retail_compile.group_branch_manager",
    "crm_retail_compile.group_department_analyst",
    "crm_retail_compile.group_integration",
    "crm_retail_compile.group_marketing_campaigns",
)

# Models that link to customers or branch-ruled records, that a retail role
# can read, and that deliberately carry no branch rule. Keep it short and
# honest: a model that holds customer data gets a rule, not an entry here.
ALLOWED_WITHOUT_BRANCH_RULE = {
    "res.users": "users are staff, not customers; their partners have no branch",
    "res.company": "the company itself and its own partner",
    "account.journal": "the company's journals; partner and bank account are the company's",
    "account.analytic.account": "cost centres; the suite puts no customer on them",
    "product.supplierinfo": "vendors' prices; vendors are companies without a branch",
    "stock.warehouse": "the company's warehouses and their address",
    "stock.rule": "route configuration; its address is the company's",
    "stock.warehouse.orderpoint": "replenishment configuration",
    "calendar.recurrence": "a repetition pattern; its events are branch-ruled",
    "mail.message": "access follows the document (mail.message._check_access)",
    "mail.activity": "access follows the document (mail.activity._check_access)",
    "mail.scheduled.message": "access follows the document (its _search and create check)",
    "discuss.channel.member": "Odoo's rules limit members to the channels the user can access",
    "res.users.settings.volumes": "Odoo's rule: each user reads only their own settings",
}
# Wizards (transient models) are not listed one by one: Odoo lets a user
# read only the wizard records they created themselves.


@tagged("post_install", "-at_install")
class TestBranchRegistry(TransactionCase):
    """Every model that a retail role can read and that points to a customer
    or to a branch-ruled record is decided: branch-ruled or allowed above.
    A new model without a decision fails here (issue 14)."""

    def _readable_by_retail_roles(self):
        groups = self.env["res.groups"]
        for xml_id in RETAIL_ROLES:
            group = self.env.ref(xml_id)
            groups |= group | group.trans_implied_ids
        access = self.env["ir.model.access"].search(
            [
                ("perm_read", "=", True),
                "|",
                ("group_id", "=", False),
                ("group_id", "in", groups.ids),
            ]
        )
        return set(access.model_id.mapped("model"))

    def _undecided(self):
        ruled = self.env["crm.branch.mixin"]._retail_branch_ruled_models()
        targets = ruled | {"res.partner"}
        undecided = {}
        for name in sorted(self._readable_by_retail_roles()):
            Model = self.env.registry.get(name)
            if Model is None or Model._abstract or Model._transient or name in ruled:
                continue
            links = sorted(
                fname
                for fname, field in Model._fields.items()
                if field.type == "many2one" and field.store and field.comodel_name in targets
            )
            if links and name not in ALLOWED_WITHOUT_BRANCH_RULE:
                undecided[name] = links
        return undecided

    def test_every_linked_model_is_decided(self):
        undecided = self._undecided()
        self.assertFalse(
            undecided,
            "Models readable by a retail role that link to customers or branch-scoped "
            "records without a branch rule: give them one (crm.branch.mixin."
            "_install_branch_rule) or add them to ALLOWED_WITHOUT_BRANCH_RULE with "
            f"the reason: {undecided}",
        )

    def test_allow_list_stays_honest(self):
        ruled = self.env["crm.branch.mixin"]._retail_branch_ruled_models()
        self.assertFalse(set(ALLOWED_WITHOUT_BRANCH_RULE) & ruled, "ruled: drop from the list")
        self.assertLessEqual(len(ALLOWED_WITHOUT_BRANCH_RULE), 15)
        for model in ("account.move", "account.move.line", "stock.picking", "sale.report"):
            self.assertIn(model, ruled)

    def test_a_new_undecided_model_fails(self):
        """Payments link to customers and carry no branch rule: the day a
        retail role is given read access to them, the walk reports them."""
        self.assertNotIn("account.payment", self._undecided())
        self.env["ir.model.access"].create(
            {
                "name": "probe",
                "model_id": self.env["ir.model"]._get("account.payment").id,
                "group_id": self.env.ref(RETAIL_ROLES[0]).id,
                "perm_read": True,
            }
        )
        self.assertIn("partner_id", self._undecided()["account.payment"])
