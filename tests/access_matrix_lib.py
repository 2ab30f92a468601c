"""The access matrix of issue 14, generated from the running database.

Models: every model with a branch rule (an ``ir.rule`` whose xml-id ends in
``_rule_branch``, from ``crm.branch.mixin._install_branch_rule``) and the
field path its domain tests, plus every model that stores a
``retail_branch_id`` without such a rule (it then shows up as leaking).
Roles: the demo users (users with an xml-id) of the Retail CRM groups who
are branch-scoped; a demo user's password is its login.
Samples: for each model and branch, a record of that branch found as admin
(preferring values the role's other rules let through, such as unassigned
leads), else created generically as admin and removed at the end. A role's
"own" branches are its allowed branches, the others are "other".
Link on create: for each model with a many2one to the sample ("carrier"),
a control create linked to a record the role sees proves the values valid;
the same create linked to the other-branch sample must then be refused.
"""

import ast
import datetime
import re
import uuid
import xmlrpc.client
from collections import defaultdict

OWN_OPS = ("read", "search", "read_group")
OTHER_OPS = ("read", "search", "read_group", "name_search", "export", "write", "link")
# other-branch ops of one call for all samples; the others, one call a
# record, run on PER_RECORD_BRANCHES of the role's other branches
BATCH_OPS = ("search", "read_group")
PER_RECORD_BRANCHES = 2
# a user's default branch is where its new records go, not branch data
NOT_BRANCH_DATA = {"res.users"}
PATH_RE = re.compile(r"\(\s*'([\w.]+)'\s*,\s*'in'\s*,\s*user\.retail_branch_ids")
# ('user_id', '=', False) or ('move_type', 'in', ('out_invoice', ...)) in a
# group rule of the model: samples with that value are the ones such a rule
# does not hide anyway (personal leads, orders and invoices)
EMPTY_RE = re.compile(r"\(\s*'(\w+)'\s*,\s*'='\s*,\s*False\s*\)")
AMONG_RE = re.compile(r"\(\s*'(\w+)'\s*,\s*'in'\s*,\s*\(\s*'(\w+)'")
ACCESS_ERROR = 4  # XML-RPC fault code of an AccessError (base/controllers/rpc.py)
WRITE_FIELDS = ("name", "description", "note", "comment", "ref")
FG_ATTRS = ["type", "store", "readonly", "required", "relation", "selection", "related"]


# model -> the method that removes a record the matrix created (see cleanup)
TEARDOWN = {"pos.session": "delete_opening_control_session"}


def brief(fault):
    """What a fault says, in short."""
    lines = [line.strip() for line in fault.faultString.splitlines() if line.strip()]
    if fault.faultCode == 1:  # a traceback: its last line
        return lines[-1][:160] if lines else ""
    return " ".join(lines[:2])[:160]


def call(client, model, method, *args, **kwargs):
    """(True, result) or (False, fault) of one XML-RPC call."""
    try:
        return True, client(model, method, *args, **kwargs)
    except xmlrpc.client.Fault as fault:
        return False, fault


class Matrix:
    def __init__(self, server, admin):
        self.server, self.admin = server, admin
        self.tag = "AM" + uuid.uuid4().hex[:6]
        self.fields, self.samples, self.fixtures, self.created = {}, {}, [], []
        self.write_field, self.name_arg, self.carriers_of = {}, {}, {}
        self.serial, self.leftovers = 0, []
        self.company = admin("res.users", "read", [admin.uid], ["company_id"])[0]["company_id"][0]
        self.rows = []  # (role, model, side, op, branch, outcome, detail)
        self.notes = []

    # -- discovery ---------------------------------------------------------
    def discover(self):
        admin = self.admin
        data = admin(
            "ir.model.data",
            "search_read",
            [("model", "=", "ir.rule"), ("name", "like", "_rule_branch")],
            ["res_id", "module", "name"],
        )
        rule_ids = [d["res_id"] for d in data if d["name"].endswith("_rule_branch")]
        self.models = {}  # model -> (path, rule domain or None, rule id or None)
        rules = admin("ir.rule", "read", rule_ids, ["model_id", "domain_force"])
        names = self._model_names([r["model_id"][0] for r in rules])
        for rule in rules:
            model = names[rule["model_id"][0]]
            match = PATH_RE.search(rule["domain_force"] or "")
            assert match, f"branch rule of {model} without a branch path: {rule['domain_force']}"
            self.models[model] = (match.group(1), rule["domain_force"], rule["id"])
        carriers = admin(
            "ir.model.fields",
            "search_read",
            [
                ("name", "=", "retail_branch_id"),
                ("relation", "=", "crm.retail.branch"),
                ("store", "=", True),
                ("model_id.transient", "=", False),
                ("model", "not in", list(self.models) + sorted(NOT_BRANCH_DATA)),
            ],
            ["model"],
        )
        for rec in carriers:  # a branch but no rule; abstract models have no table
            if call(admin, rec["model"], "search", [], limit=1)[0]:
                self.models[rec["model"]] = ("retail_branch_id", False, None)
        for model in self.models:
            self.fields[model] = admin(model, "fields_get", [], attributes=FG_ATTRS)
        self.branches = {
            b["id"]: b["code"]
            for b in admin("crm.retail.branch", "search_read", [], ["code"], order="id")
        }
        # the other rules of these models, and the values samples prefer
        rules = admin(
            "ir.rule",
            "search_read",
            [("model_id.model", "in", list(self.models)), ("id", "not in", rule_ids)],
            ["model_id", "name", "domain_force", "groups"],
        )
        names = self._model_names([r["model_id"][0] for r in rules])
        self.group_rules = defaultdict(list)
        self.prefer = defaultdict(dict)  # model -> {field: value}
        for rule in rules:
            model = names[rule["model_id"][0]]
            if rule["groups"]:
                text = rule["domain_force"] or ""
                for fname, value in AMONG_RE.findall(text):
                    self.prefer[model].setdefault(fname, value)
                for fname in EMPTY_RE.findall(text):
                    self.prefer[model].setdefault(fname, False)
                self.group_rules[model].append(rule)
        self._discover_roles()

    def _model_names(self, ids):
        return {
            m["id"]: m["model"] for m in self.admin("ir.model", "read", list(set(ids)), ["model"])
        }

    def _discover_roles(self):
        admin = self.admin
        category = admin(
            "ir.model.data",
            "check_object_reference",
            "crm_privacy_pdpo",
            "module_category_retail_crm",
        )[1]
        groups = admin("res.groups", "search", [("category_id", "=", category)])
        user_ids = admin(
            "res.users", "search", [("groups_id", "in", groups), ("share", "=", False)]
        )
        demo = admin(
            "ir.model.data",
            "search_read",
            [("model", "=", "res.users"), ("res_id", "in", user_ids)],
            ["res_id"],
        )
        users = admin(
            "res.users",
            "read",
            sorted({d["res_id"] for d in demo}),
            ["login", "retail_branch_scoped", "retail_branch_ids", "retail_branch_id", "groups_id"],
        )
        self.roles = [u for u in users if u["retail_branch_scoped"]]

    # -- samples -----------------------------------------------------------
    def generic_vals(self, client, model, fixed):
        """Values to create ``model`` as ``client``: ``fixed``, defaults, and
        required fields filled generically; None when that is not possible."""
        fg = self.fields.get(model) or self.admin(model, "fields_get", [], attributes=FG_ATTRS)
        self.fields[model] = fg
        ok, defaults = call(client, model, "default_get", list(fg))
        if not ok:
            return None
        vals = {}
        self.serial += 1
        for name, f in fg.items():
            if name in fixed or name in defaults or not (f.get("required") or name == "name"):
                continue
            if not f.get("store") or f.get("related"):
                continue
            if f.get("readonly") and client is not self.admin:
                continue
            kind = f["type"]
            if kind == "many2one" and f["relation"] == "res.company":
                # the admin's company, as for the records it links to (the
                # first company by name may be another one: a sample there
                # would be hidden by the company rules, not the branch's)
                vals[name] = self.company
            elif kind == "many2one":
                ids = client(f["relation"], "search", self._company_domain(f["relation"]), limit=1)
                if not ids:
                    return None
                vals[name] = ids[0]
            elif kind == "selection" and f.get("selection"):
                vals[name] = f["selection"][0][0]
            elif kind in ("char", "text", "html"):
                vals[name] = f"{self.tag} {self.serial} {name}"
            elif kind in ("integer", "float", "monetary"):
                vals[name] = 1
            elif kind == "date":
                vals[name] = datetime.date.today().isoformat()
            elif kind == "datetime":
                vals[name] = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
            elif kind not in ("boolean", "many2many", "one2many"):
                return None
        vals.update(fixed)
        return vals

    def _company_domain(self, model):
        """Records of the admin's company or of none (any other record is
        refused by the company checks of a create)."""
        if model not in self.fields:
            self.fields[model] = self.admin(model, "fields_get", [], attributes=FG_ATTRS)
        if self.fields[model].get("company_id", {}).get("type") != "many2one":
            return []
        return [("company_id", "in", [False, self.company])]

    def sample(self, model, branch):
        """One record of ``model`` in ``branch`` (found or created as admin)."""
        key = (model, branch)
        if key in self.samples:
            return self.samples[key]
        admin, path = self.admin, self.models[model][0]
        fg = self.fields[model]
        preferred = [(f, "=", v) for f, v in sorted(self.prefer[model].items()) if f in fg]
        ids = admin(model, "search", [(path, "=", branch), *preferred], limit=1, order="id")
        if not ids:
            ids = self._create_fixture(model, branch, path, preferred)
        if not ids and preferred:  # another rule of the role may hide it
            ids = admin(model, "search", [(path, "=", branch)], limit=1, order="id")
        self.samples[key] = ids[0] if ids else None
        return self.samples[key]

    def _create_fixture(self, model, branch, path, preferred):
        admin, fg = self.admin, self.fields[model]
        head, _, tail = path.partition(".")
        fixed = {}
        if not tail and not fg[head].get("related"):  # a related branch follows its parent
            fixed[head] = branch
        elif tail:  # one level deep: a related record of that branch
            rel = fg[head]["relation"]
            if self.models.get(rel, ("",))[0] == tail:
                ids = [self.sample(rel, branch)] if self.sample(rel, branch) else []
            else:
                ids = admin(rel, "search", [(tail, "=", branch)], limit=1)
            if not ids:
                return []
            fixed[head] = ids[0]
        for fname, _op, value in preferred:
            if not fg[fname].get("related") and (value or not fg[fname].get("required")):
                fixed[fname] = value
        # required links to branch-scoped records, and the customer (a branch
        # computed from it): a sample of the same branch
        for name, f in fg.items():
            rel = f.get("relation")
            linked = f.get("required") or (name == "partner_id" and not f.get("readonly"))
            if linked and name not in fixed and rel in self.models and rel != model:
                parent = self.sample(rel, branch)
                if not parent:
                    return []
                fixed[name] = parent
        vals = self.generic_vals(admin, model, fixed)
        if vals is None:
            self.notes.append(f"no fixture {model}: required fields not fillable")
            return []
        ok, res = call(admin, model, "create", vals)
        if not ok:
            self.notes.append(f"no fixture {model}/{self.branches[branch]}: {brief(res)}")
            return []
        self.fixtures.append((model, res))
        if not admin(model, "search", [("id", "=", res), (path, "=", branch)]):
            self.notes.append(
                f"no fixture {model}/{self.branches[branch]}: lands in another branch"
            )
            return []
        return [res]

    def cleanup(self):
        """Remove what the matrix created: by model, links before fixtures.
        What an append-only record (a sales event) keeps is archived."""
        by_model = defaultdict(list)
        for model, rec_id in self.created + self.fixtures[::-1]:
            by_model[model].append(rec_id)
        for _pass in range(2):  # the second: what a later model still referred to
            for model, ids in by_model.items():
                ids[:] = self.admin(model, "search", [("id", "in", ids)])
                if ids and not call(self.admin, model, "unlink", ids)[0]:
                    for rec_id in ids:
                        call(self.admin, model, "unlink", [rec_id])
        # records Odoo deletes only through their own action (a till's
        # session still in its opening control: unlink refuses it), once
        # what they held is gone
        for model, method in TEARDOWN.items():
            for rec_id in self.admin(model, "search", [("id", "in", by_model.get(model, []))]):
                call(self.admin, model, method, [rec_id])
        for model, ids in by_model.items():
            kept = self.admin(model, "search", [("id", "in", ids)], context={"active_test": False})
            self.leftovers += [(model, rec_id) for rec_id in kept]
            if kept and "active" in self.fields.get(model, {}):
                call(self.admin, model, "write", kept, {"active": False})

    # -- cells -------------------------------------------------------------
    def record(self, role, model, side, op, branch, outcome, detail=""):
        self.rows.append((role["login"], model, side, op, branch, outcome, detail))

    def run(self):
        for role in self.roles:
            try:
                client = self.server.client(role["login"], role["login"])
            except PermissionError:
                self.rows.append((role["login"], "-", "-", "login", None, "LOGIN FAILED", ""))
                continue
            for model in self.models:
                self.run_role_model(role, client, model)

    def run_role_model(self, role, client, model):
        allowed = set(role["retail_branch_ids"])
        own = {b: self.sample(model, b) for b in self.branches if b in allowed}
        other = {b: self.sample(model, b) for b in self.branches if b not in allowed}
        own_ids = {b: i for b, i in own.items() if i}
        other_ids = {b: i for b, i in other.items() if i}
        for side, samples, ops in (("own", own, OWN_OPS), ("other", other, BATCH_OPS)):
            for b, rec_id in samples.items():
                if rec_id is None:
                    for op in ops:
                        self.record(role, model, side, op, b, "nosample")
        # one call a record, on PER_RECORD_BRANCHES of the other branches
        for _n in range(min(len(other), PER_RECORD_BRANCHES) - len(other_ids)):
            for op in OTHER_OPS:
                if op not in BATCH_OPS:
                    self.record(role, model, "other", op, None, "nosample")
        self.own_cells(role, client, model, own_ids)
        if other_ids:
            self.other_cells(role, client, model, other_ids, sorted(allowed))

    def _denied(self, role, client, model, rec_id):
        """Outcome of an own-branch record the role cannot see."""
        if not client(model, "has_access", [], "read"):
            return "noaccess", ""
        # group rules are or-ed: none of the role's is "everything" -> they
        # may hide the sample (personal invoices, leads and orders)
        mine = [r for r in self.group_rules[model] if set(r["groups"]) & set(role["groups_id"])]
        if mine and all(r["domain_force"].replace(" ", "") != "[(1,'=',1)]" for r in mine):
            return "hidden", f"{rec_id}, by {', '.join(r['name'] for r in mine)}"
        return "DENIED", str(rec_id)

    def own_cells(self, role, client, model, own_ids):
        """The role reads, finds and counts its branches' samples: one call
        for all of them, then one a record when that one fails."""
        gb = self.models[model][0].split(".")[0]

        def probe(op, ids):
            if op == "read":
                return call(client, model, "read", ids, ["display_name"])
            if op == "search":
                ok, res = call(client, model, "search", [("id", "in", ids)])
                return ok and len(res) == len(ids), res
            ok, res = call(client, model, "read_group", [("id", "in", ids)], ["__count"], [gb])
            return ok and sum(g[f"{gb}_count"] for g in res) == len(ids), res

        for op in OWN_OPS:
            if probe(op, list(own_ids.values()))[0]:
                for b in own_ids:
                    self.record(role, model, "own", op, b, "ok")
                continue
            for b, rec_id in own_ids.items():
                seen, res = probe(op, [rec_id])
                if seen:
                    self.record(role, model, "own", op, b, "ok")
                elif not isinstance(res, xmlrpc.client.Fault) or res.faultCode == ACCESS_ERROR:
                    self.record(
                        role, model, "own", op, b, *self._denied(role, client, model, rec_id)
                    )
                else:
                    self.record(role, model, "own", op, b, "error", brief(res))

    def _refused(self, role, model, op, b, ok, res, leaked):
        if ok and leaked:
            self.record(role, model, "other", op, b, "LEAK", leaked)
        elif ok or res.faultCode in (ACCESS_ERROR, 2, 3):
            self.record(role, model, "other", op, b, "ok")
        else:
            self.record(role, model, "other", op, b, "error", brief(res))

    def other_cells(self, role, client, model, other_ids, allowed):
        path, rule_domain, _rule = self.models[model]
        gb = path.split(".")[0]
        ids = list(other_ids.values())
        ok, found = call(client, model, "search", [("id", "in", ids)])
        for b, rec_id in other_ids.items():
            leaked = ok and rec_id in found and f"search returns {rec_id}"
            self._refused(role, model, "search", b, ok, found, leaked)
        ok, groups = call(client, model, "read_group", [("id", "in", ids)], ["__count"], [gb])
        counted = ok and sum(g[f"{gb}_count"] for g in groups)
        # the role's total may not pass what the rule allows it (admin's count)
        domain = self.rule_domain(rule_domain, path, allowed)
        ok_t, total = call(client, model, "read_group", [], ["__count"], [])
        allowed_count = self.admin(model, "search_count", domain)
        over = ok_t and total and total[0]["__count"] > allowed_count
        for b in other_ids:
            leaked = counted and f"read_group counts {counted} other-branch records"
            self._refused(role, model, "read_group", b, ok, groups, leaked)
        leaked = over and f"total {total[0]['__count']} > {allowed_count} in its branches"
        self._refused(role, model, "read_group", None, ok_t, total, leaked)
        # one call a record: the first and the last other branch with a sample
        items = list(other_ids.items())
        if len(items) > PER_RECORD_BRANCHES:
            step = (len(items) - 1) / (PER_RECORD_BRANCHES - 1)
            items = [items[round(i * step)] for i in range(PER_RECORD_BRANCHES)]
        for b, rec_id in items:
            ok, res = call(client, model, "read", [rec_id], ["display_name"])
            self._refused(role, model, "read", b, ok, res, ok and f"read {rec_id}: {res}")
            name = self._name_arg(model, rec_id)
            ok, res = call(client, model, "name_search", name, [("id", "=", rec_id)], "ilike", 5)
            leaked = ok and rec_id in [r[0] for r in res] and f"name_search {name!r}"
            self._refused(role, model, "name_search", b, ok, res, leaked)
            ok, res = call(client, model, "export_data", [rec_id], ["display_name"])
            leaked = ok and res.get("datas") and f"export {res['datas']}"
            self._refused(role, model, "export", b, ok, res, leaked)
            self.write_cell(role, client, model, b, rec_id)
            self.link_cell(role, client, model, b, rec_id)

    @staticmethod
    def rule_domain(rule_domain, path, allowed):
        """The branch rule's domain for a user of the branches ``allowed``
        (a branch-scoped user's part of the rule, with its branches filled
        in); a model without a rule: the standard one."""
        try:
            scoped = rule_domain.split(" else ", 1)[1]
            return ast.literal_eval(scoped.replace("user.retail_branch_ids.ids", repr(allowed)))
        except (AttributeError, IndexError, ValueError, SyntaxError):
            return ["|", (path, "=", False), (path, "in", allowed)]

    def _name_arg(self, model, rec_id):
        """The sample's display name if admin finds it by that name, else ''."""
        if rec_id not in self.name_arg:
            name = self.admin(model, "read", [rec_id], ["display_name"])[0]["display_name"]
            found = self.admin(model, "name_search", name, [("id", "=", rec_id)], "ilike", 5)
            self.name_arg[rec_id] = name if found else ""
        return self.name_arg[rec_id]

    def write_cell(self, role, client, model, b, rec_id):
        """Write a text field's own value back: harmless if it goes through."""
        key = (model, rec_id)
        if key not in self.write_field:
            fg = self.fields[model]
            names = [n for n in WRITE_FIELDS if n in fg] + sorted(fg)
            self.write_field[key] = None
            for name in dict.fromkeys(names):
                f = fg[name]
                if (
                    f["type"] not in ("char", "text", "html")
                    or f.get("readonly")
                    or not f.get("store")
                ):
                    continue
                if f.get("related"):
                    continue
                value = self.admin(model, "read", [rec_id], [name])[0][name]
                if call(self.admin, model, "write", [rec_id], {name: value})[0]:
                    self.write_field[key] = {name: value}
                    break
        vals = self.write_field[key]
        if vals is None:
            self.record(role, model, "other", "write", b, "n/a", "no writable text field")
            return
        ok, res = call(client, model, "write", [rec_id], vals)
        self._refused(role, model, "write", b, ok, res, ok and f"write {vals}")

    def carriers(self, model):
        """(carrier model, many2one field) pointing to ``model``: one field
        per branch-scoped model, ``partner_id`` first."""
        found = {}
        for carrier in sorted(self.models):
            for name, f in sorted(self.fields[carrier].items(), key=lambda i: i[0] != "partner_id"):
                linkable = f.get("store") and not f.get("readonly") and not f.get("related")
                if linkable and f["type"] == "many2one" and f.get("relation") == model:
                    found.setdefault(carrier, name)
        return sorted(found.items(), key=lambda i: i[0] == model)

    def link_cell(self, role, client, model, b, rec_id):
        """Create records linked to ``rec_id``, one per carrier: a model with a
        many2one to ``model`` whose control create (linked to a record the
        role can see, same values) went through."""
        key = (role["login"], model)
        if key not in self.carriers_of:
            self.carriers_of[key] = self._find_carriers(role, client, model)
        carriers = self.carriers_of[key]
        if isinstance(carriers, str):
            self.record(role, model, "other", "link", b, "n/a", carriers)
            return
        for cmodel, fname, vals in carriers:
            ok, res = call(client, cmodel, "create", {**vals, fname: rec_id})
            if ok:
                self.created.append((cmodel, res))
            leaked = ok and f"{cmodel}.{fname} created {res}"
            self._refused(role, model, "link", b, ok, res, leaked)

    def _find_carriers(self, role, client, model):
        ok, visible = call(client, model, "search", [], limit=1)
        if not ok or not visible:
            return "nothing visible to link in a control"
        found, failed = [], []
        for cmodel, fname in self.carriers(model):
            if not client(cmodel, "has_access", [], "create"):
                continue
            fixed = {}
            branch_field = self.fields[cmodel].get("retail_branch_id", {})
            if branch_field and not branch_field.get("related") and role["retail_branch_id"]:
                fixed["retail_branch_id"] = role["retail_branch_id"][0]
            vals = self.generic_vals(client, cmodel, fixed)
            if vals is None:
                failed.append(f"{cmodel}: required fields not fillable")
                continue
            ok, res = call(client, cmodel, "create", {**vals, fname: visible[0]})
            if ok:
                self.created.append((cmodel, res))
                found.append((cmodel, fname, vals))
            else:
                failed.append(f"{cmodel}.{fname}: {brief(res)}")
        login = role["login"]
        for reason in failed:
            self.notes.append(f"{login}: no link to {model} tested through {reason}")
        if found:
            through = ", ".join(f"{c}.{f}" for c, f, _v in found)
            self.notes.append(f"{login} links to {model} through {through}")
        return found or "no carrier the role can create"
