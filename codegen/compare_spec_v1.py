#!/usr/bin/env python3
"""Compare codegen/spec.json (format 2) with the old codegen/dcs_v2_operations.json (format 1).

Usage: python3 codegen/compare_spec_v1.py [OLD.json NEW.json]

A temporary check, to be deleted together with dcs_v2_operations.json once the new generator
reads spec.json. Standard library only. For every operation and model it compares each fact the
two formats share and prints every difference; the exit status is 1 when there is one that is
not on the list of expected differences below, else 0.

Expected differences (format changes, not disagreements about the SDK):
  - response.model: format 1 names the response class for every kind; format 2 has null for
    `empty` and `stream`, which have no model to read (the class is still `response_class`).
  - whole_body: format 1 has the payload's python_name/type/description inline in `response`;
    format 2 lists the response class in `models` with that one field. So `models` has the 8
    whole_body response classes in addition, and they are compared with the inline facts.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARAM_KEYS = ("name", "python_name", "type", "required", "description")
FIELD_KEYS = ("json_name", "python_name", "type", "required", "description")
BODY_KEYS = ("python_name", "type", "required", "description")


class Report:
    def __init__(self):
        self.differences = []
        self.compared = 0

    def same(self, where, old, new):
        self.compared += 1
        if old != new:
            self.differences.append(f"{where}: old {old!r} / new {new!r}")


def pick(d, keys):
    return None if d is None else {k: d.get(k) for k in keys}


def compare_params(r, where, old_params, new_params, extra_keys=()):
    keys = PARAM_KEYS + extra_keys
    old_by_name = {p["name"]: p for p in old_params}
    new_by_name = {p["name"]: p for p in new_params}
    r.same(f"{where} names (as sets)", sorted(old_by_name), sorted(new_by_name))
    r.same(f"{where} order", [p["name"] for p in old_params], [p["name"] for p in new_params])
    for name in sorted(set(old_by_name) & set(new_by_name)):
        for k in keys:
            r.same(f"{where} {name}.{k}", old_by_name[name].get(k), new_by_name[name].get(k))


def type_models(type_str, model_names):
    """Model names in a type string (list[X], dict(K, V), X)."""
    for token in type_str.replace("list[", " ").replace("dict(", " ").replace("]", " ").replace(
        ")", " "
    ).replace(",", " ").split():
        if token in model_names:
            yield token


def reachable(new, op):
    """Models reachable from one operation in the new spec (for models_reachable)."""
    models = new["models"]
    roots = []
    for group in ("path_params", "query_params", "header_params", "form_params"):
        for p in op[group]:
            roots.extend(type_models(p["type"], models))
    if op["body"]:
        roots.extend(type_models(op["body"]["type"], models))
    model = op["response"]["model"]
    if model:
        # format 1 did not count a whole_body response class as a model
        if op["response"]["kind"] == "whole_body":
            roots.extend(type_models(models[model]["fields"][0]["type"], models))
        else:
            roots.append(model)
    seen, pending = set(), list(roots)
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            for f in models[name]["fields"]:
                pending.extend(type_models(f["type"], models))
    return sorted(seen)


def compare_operation(r, new, old_op, new_op):
    w = old_op["name"]
    for old_key, new_key in (
        ("python_method", "python_method"),
        ("http_method", "http_method"),
        ("path", "path"),
        ("summary", "summary"),
        ("description", "description"),
        ("request_class", "request_class"),
        ("response_class", "response_class"),
        ("content_type_header_sent", "content_type"),
    ):
        r.same(f"{w}.{new_key}", old_op[old_key], new_op[new_key])

    # Format 1 lists {project_id} with python_name null; format 2 leaves it out.
    old_path = [p for p in old_op["path_params"] if p["python_name"] is not None]
    compare_params(r, f"{w}.path_params", old_path, new_op["path_params"])
    old_query = [dict(p, collection_format=p.get("collection_format")) for p in old_op["query_params"]]
    compare_params(r, f"{w}.query_params", old_query, new_op["query_params"], ("collection_format",))
    compare_params(r, f"{w}.header_params", old_op["header_params"], new_op["header_params"])
    compare_params(r, f"{w}.form_params", old_op["form_params"], new_op["form_params"])
    r.same(f"{w}.body", pick(old_op["body"], BODY_KEYS), pick(new_op["body"], BODY_KEYS))

    old_resp, new_resp = old_op["response"], new_op["response"]
    r.same(f"{w}.response.kind", old_resp["kind"], new_resp["kind"])
    r.same(f"{w}.response.headers", old_op["response_headers"], new_resp["headers"])
    if new_resp["kind"] in ("empty", "stream"):
        r.same(f"{w}.response.model (expected null)", None, new_resp["model"])
    else:
        r.same(f"{w}.response.model", old_resp["model"], new_resp["model"])
    if new_resp["kind"] == "whole_body":
        fields = new["models"][new_resp["model"]]["fields"]
        r.same(f"{w}.response whole_body field count", 1, len(fields))
        r.same(f"{w}.response whole_body json_name", "body", fields[0]["json_name"])
        for k in ("python_name", "type", "description"):
            r.same(f"{w}.response whole_body {k}", old_resp.get(k), fields[0][k])
    r.same(f"{w}.models_reachable", old_op["models_reachable"], reachable(new, new_op))


def compare_model(r, name, old_model, new_model):
    r.same(f"model {name}.role", old_model["role"], new_model["role"])
    r.same(
        f"model {name} fields",
        [pick(f, FIELD_KEYS) for f in old_model["fields"]],
        [pick(f, FIELD_KEYS) for f in new_model["fields"]],
    )


def main(argv):
    old_path = Path(argv[1]) if len(argv) > 1 else ROOT / "codegen/dcs_v2_operations.json"
    new_path = Path(argv[2]) if len(argv) > 2 else ROOT / "codegen/spec.json"
    old = json.loads(old_path.read_text(encoding="utf-8"))
    new = json.loads(new_path.read_text(encoding="utf-8"))
    r = Report()

    old_ops = {op["name"]: op for op in old["operations"]}
    new_ops = {op["name"]: op for op in new["operations"]}
    r.same("operation names", sorted(old_ops), sorted(new_ops))
    for name in sorted(set(old_ops) & set(new_ops)):
        compare_operation(r, new, old_ops[name], new_ops[name])

    whole_body = sorted(
        op["response"]["model"] for op in new["operations"] if op["response"]["kind"] == "whole_body"
    )
    r.same("models only in new (expected: the whole_body response classes)",
           whole_body, sorted(set(new["models"]) - set(old["models"])))
    r.same("models only in old", [], sorted(set(old["models"]) - set(new["models"])))
    for name in sorted(set(old["models"]) & set(new["models"])):
        compare_model(r, name, old["models"][name], new["models"][name])

    fields = sum(len(m["fields"]) for m in new["models"].values())
    print(
        f"operations: old {len(old_ops)}, new {len(new_ops)}; "
        f"models: old {len(old['models'])}, new {len(new['models'])} "
        f"(shared {len(set(old['models']) & set(new['models']))}); "
        f"fields in new models: {fields}; facts compared: {r.compared}"
    )
    for d in r.differences:
        print("DIFF", d)
    print(f"differences: {len(r.differences)}")
    return 1 if r.differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
