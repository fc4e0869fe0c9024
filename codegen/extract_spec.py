#!/usr/bin/env python3
"""Extract the DCS v2 service spec (format 2) from the installed official Python SDK.

Usage: python3 codegen/extract_spec.py > codegen/spec.json
(normally run as `cargo xtask spec`, which also checks the SDK version against
tests/interop/requirements.txt; `cargo xtask spec --check` compares with the checked-in file).

The Python running this must have `huaweicloudsdkdcs` and `huaweicloudsdkcore` installed (the
venv `.ci/run` builds from tests/interop/requirements.txt). Nothing outside the standard library
and those two packages is imported. The output goes to standard output as UTF-8; the same SDK
always gives the same bytes.

How each fact is read. The SDK is imported and asked: its classes' attributes, its request
builders called, `inspect` and `ast` on its code. Text is read only where the fact exists only
as text (docstrings: summaries, descriptions, and the request class a method takes).

source: the installed distributions' versions (importlib.metadata).

Operations: every `_<method>_http_info` classmethod of `DcsClient`.
  - name, request and response classes: the public method's docstring names the request class
    (`:type request: :class:`huaweicloudsdkdcs.v2.<Name>Request``); the operation name is that
    class name without `Request`. The match is cross-checked: the class must exist,
    `<Name>Response` must be the builder's `response_type`, and the snake case of `<Name>`
    must be `<method>`.
  - summary and description: the public method's docstring. Its first line is the summary; the
    lines after it up to "Please refer to HUAWEI cloud API Explorer" are the description.
  - http method, path, parameters, body, Content-Type, response headers: we *call* the request
    builder. The request object gets a distinct probe value in every attribute, and the
    `http_info` dictionary the builder returns says where each probe went: `path_params`,
    `query_params` (a list, so in the builder's order), `header_params`, `post_params` (form),
    `body`, with the wire name as the key, and `collection_formats` by wire name. Content-Type
    is the value the builder put in `header_params`, which is what the core sends
    (`http_utils.select_header_content_type` lower-cases the declared list and prefers
    `application/json`); null when it sets none. Every request attribute must land in exactly
    one place, and every `{placeholder}` of the path must be a path parameter or
    `{project_id}` (filled by the client from its credentials, so never listed).
  - parameter type, required, description: from the request class, as for model fields below.
    Query, header and form parameters are listed in the SDK's declaration order (the
    builder's order, which is the request class's attribute order); path parameters in the
    order of their placeholders in the path (format 1 did the same; the two orders differ
    only for DeleteBackupFile in 3.1.219).
  - response.kind, from the response class (`response_type`) and the core's deserializer
    (huaweicloudsdkcore.client.Client.deserialize / _extract_kwargs):
      stream       the class is an SdkStreamResponse: the body is handed over as raw bytes;
      empty        no attributes besides the response headers: nothing is read from the body;
      whole_body   exactly one body attribute, mapped to the json name "body": the core hands it
                   the entire payload (a bare string, array or untyped value);
      json_object  otherwise: the body is a JSON object whose members are the class's fields.
    response.model is the response class for json_object and whole_body (it is in `models`:
    for whole_body its one field `body` carries the payload's type), null for empty and stream.
    response.headers: the builder's `response_headers` (wire names), in its order.

Models: every class reachable from an operation's parameters, body and response model, through
field types, in `huaweicloudsdkdcs.v2.model`.
  - role: "response" for an SdkResponse subclass, else "schema".
  - sensitive: the class's `sensitive_list` as the SDK has it (python attribute names).
  - fields, in `openapi_types` order (the SDK's declaration order, that of the API reference):
      json_name    `attribute_map[attr]`;  python_name  the attribute;
      type         `openapi_types[attr]`, unchanged (str, int, float, bool, object, list[X],
                   dict(K, V) or a model name);
      required     assigned unconditionally in `__init__` (`self.x = x` at the top level of
                   the body; optional attributes are assigned under `if x is not None`). Read
                   with `ast` from `inspect.getsource(cls.__init__)`. The SDK never enforces it;
      description  the property getter's docstring between its "Gets the ..." line and
                   ":return:", with HTML entities decoded (html.unescape), then the SDK
                   generator's `\\"` and `\\\\` escapes decoded, then all whitespace runs
                   collapsed to one space and the ends trimmed.

Output: keys in a fixed order; operations sorted by name; models sorted by name;
`json.dumps(..., ensure_ascii=False, indent=1)` and a trailing newline.
"""

import ast
import html
import importlib.metadata
import inspect
import json
import re
import sys
import textwrap

from huaweicloudsdkcore.sdk_response import SdkResponse
from huaweicloudsdkcore.sdk_stream_request import SdkStreamRequest
from huaweicloudsdkcore.sdk_stream_response import SdkStreamResponse

import huaweicloudsdkdcs.v2.model as sdk_models
from huaweicloudsdkdcs.v2.dcs_client import DcsClient

FORMAT_VERSION = 2
GENERATED_BY = "codegen/extract_spec.py"

# `{project_id}` in a path is filled by the client from its credentials, never by the request.
CLIENT_FILLED_PATH_PARAMS = ("project_id",)

# The openapi_types leaves that are not model classes. Anything else must be a model class;
# an unknown word stops the extraction so that a new SDK's new type is looked at.
PRIMITIVE_TYPES = ("str", "int", "float", "bool", "object")

LIST_TYPE = re.compile(r"^list\[(.+)\]$")
DICT_TYPE = re.compile(r"^dict\(([^,]+), (.+)\)$")

# The docstring line that names the request class, e.g.
#   :type request: :class:`huaweicloudsdkdcs.v2.CreateInstanceRequest`
REQUEST_CLASS_LINE = re.compile(r"^:type request: :class:`huaweicloudsdkdcs\.v2\.(\w+)Request`$")
API_EXPLORER_LINE = "Please refer to HUAWEI cloud API Explorer for details."

# The SDK generator writes `\"` for `"` and `\\` for `\` inside its raw docstrings.
GENERATOR_ESCAPE = re.compile(r'\\(["\\])')


class ExtractError(Exception):
    """The SDK has a shape this extractor does not know; the message says which and where."""


class Probe:
    """A value put in one request attribute, to see where the request builder sends it."""

    def __init__(self, python_name):
        self.python_name = python_name

    def __repr__(self):
        return f"Probe({self.python_name!r})"


# --- text --------------------------------------------------------------------------------


def clean_text(text):
    """One line of description: entities and generator escapes decoded, whitespace collapsed."""
    text = html.unescape(text)
    text = GENERATOR_ESCAPE.sub(r"\1", text)
    return " ".join(text.split())


def snake_case(name):
    """CreateInstance -> create_instance (the SDK's method naming), used as a cross-check."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# --- models ------------------------------------------------------------------------------


def model_class(name):
    """The SDK model class called `name`, or None when `name` is not one."""
    cls = getattr(sdk_models, name, None)
    return cls if inspect.isclass(cls) else None


def type_models(type_str):
    """The model class names a field type refers to: `list[Tag]` -> ["Tag"]."""
    m = LIST_TYPE.match(type_str)
    if m:
        return type_models(m.group(1))
    m = DICT_TYPE.match(type_str)
    if m:
        return type_models(m.group(1)) + type_models(m.group(2))
    if type_str in PRIMITIVE_TYPES:
        return []
    if model_class(type_str) is None:
        raise ExtractError(f"unknown type {type_str!r}: neither a primitive nor a model class")
    return [type_str]


def required_attributes(cls):
    """Attributes `__init__` assigns unconditionally (`self.x = x` at the top of its body)."""
    source = textwrap.dedent(inspect.getsource(cls.__init__))
    init = ast.parse(source).body[0]
    required = set()
    for stmt in init.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
            continue
        target, value = stmt.targets[0], stmt.value
        if (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
            and isinstance(value, ast.Name)
            and value.id == target.attr
        ):
            required.add(target.attr)
    return required


def property_description(cls, attr):
    """The text of the getter's docstring between "Gets the ..." and ":return:"."""
    prop = inspect.getattr_static(cls, attr, None)
    if not isinstance(prop, property):
        raise ExtractError(f"{cls.__name__}.{attr} is not a property")
    lines = inspect.cleandoc(prop.fget.__doc__ or "").splitlines()
    if not lines or not lines[0].startswith("Gets the "):
        raise ExtractError(f"{cls.__name__}.{attr}: getter docstring does not start 'Gets the'")
    body = []
    for line in lines[1:]:
        if line.startswith(":return:") or line.startswith(":rtype:"):
            break
        body.append(line)
    return clean_text("\n".join(body))


def attributes(cls):
    """(python_name, json_name, type, required, description) of each attribute, in order."""
    if set(cls.openapi_types) != set(cls.attribute_map):
        raise ExtractError(f"{cls.__name__}: openapi_types and attribute_map disagree")
    required = required_attributes(cls)
    return [
        {
            "python_name": attr,
            "json_name": cls.attribute_map[attr],
            "type": type_str,
            "required": attr in required,
            "description": property_description(cls, attr),
        }
        for attr, type_str in cls.openapi_types.items()
    ]


def model_entry(name):
    cls = model_class(name)
    fields = [
        {
            "json_name": a["json_name"],
            "python_name": a["python_name"],
            "type": a["type"],
            "required": a["required"],
            "description": a["description"],
        }
        for a in attributes(cls)
    ]
    return {
        "role": "response" if issubclass(cls, SdkResponse) else "schema",
        "sensitive": list(cls.sensitive_list),
        "fields": fields,
    }


def reachable_models(roots):
    """Every model name reachable from `roots` through field types, sorted."""
    seen = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for field_type in model_class(name).openapi_types.values():
            pending.extend(type_models(field_type))
    return sorted(seen)


# --- operations --------------------------------------------------------------------------


def builder_methods():
    """The python method names that have a `_<method>_http_info` request builder, sorted."""
    names = []
    for attr in vars(DcsClient):
        if attr.startswith("_") and attr.endswith("_http_info"):
            names.append(attr[1 : -len("_http_info")])
    return sorted(names)


def method_docs(python_method):
    """(operation name, summary, description) from the public method's docstring."""
    method = getattr(DcsClient, python_method, None)
    if method is None:
        raise ExtractError(f"_{python_method}_http_info has no public method {python_method}")
    lines = inspect.cleandoc(method.__doc__ or "").splitlines()
    names = [m.group(1) for m in map(REQUEST_CLASS_LINE.match, lines) if m]
    if len(names) != 1:
        raise ExtractError(f"{python_method}: docstring does not name one request class")
    if API_EXPLORER_LINE not in lines:
        raise ExtractError(f"{python_method}: docstring lacks {API_EXPLORER_LINE!r}")
    summary = clean_text(lines[0])
    description = clean_text("\n".join(lines[1 : lines.index(API_EXPLORER_LINE)]))
    return names[0], summary, description


def probe_request(python_method, request_cls):
    """Calls the request builder with a probe in every attribute; returns its http_info."""
    request = request_cls()
    if isinstance(request, SdkStreamRequest):
        raise ExtractError(f"{request_cls.__name__}: stream requests are not supported")
    for attr in request_cls.openapi_types:
        setattr(request, attr, Probe(attr))
    builder = getattr(DcsClient, f"_{python_method}_http_info")
    return builder(request)


def probed_name(value, where):
    if not isinstance(value, Probe):
        raise ExtractError(f"{where}: expected a request attribute, got {value!r}")
    return value.python_name


def param_entry(wire_name, python_name, attrs):
    a = attrs[python_name]
    return {
        "name": wire_name,
        "python_name": python_name,
        "type": a["type"],
        "required": a["required"],
        "description": a["description"],
    }


def response_shape(response_cls, header_names):
    """(kind, model) of a response class; see the module docstring."""
    if issubclass(response_cls, SdkStreamResponse):
        return "stream", None
    body_attrs = [
        attr for attr, wire in response_cls.attribute_map.items() if wire not in header_names
    ]
    if not body_attrs:
        return "empty", None
    wires = [response_cls.attribute_map[attr] for attr in body_attrs]
    if wires == ["body"]:
        return "whole_body", response_cls.__name__
    if "body" in wires:
        raise ExtractError(
            f"{response_cls.__name__}: a field mapped to 'body' beside other fields: "
            "the core would hand it the whole payload; decide how to model this"
        )
    return "json_object", response_cls.__name__


def operation_entry(python_method):
    name, summary, description = method_docs(python_method)
    where = f"{name} ({python_method})"
    if snake_case(name) != python_method:
        raise ExtractError(f"{where}: method name is not the snake case of the operation")
    request_cls = model_class(f"{name}Request")
    if request_cls is None:
        raise ExtractError(f"{where}: no class {name}Request")
    info = probe_request(python_method, request_cls)
    if info["response_type"] != f"{name}Response":
        raise ExtractError(f"{where}: response type {info['response_type']!r}")
    response_cls = model_class(info["response_type"])
    if response_cls is None or not issubclass(response_cls, SdkResponse):
        raise ExtractError(f"{where}: {info['response_type']} is not an SdkResponse class")

    attrs = {a["python_name"]: a for a in attributes(request_cls)}
    placed = []  # python names, to check each attribute lands in exactly one place

    path_params = []
    for wire, value in info["path_params"].items():
        py = probed_name(value, f"{where} path parameter {wire}")
        path_params.append(param_entry(wire, py, attrs))
        placed.append(py)
    placeholders = re.findall(r"\{([^}]+)\}", info["resource_path"])
    expected = [p for p in placeholders if p not in CLIENT_FILLED_PATH_PARAMS]
    if sorted(expected) != sorted(p["name"] for p in path_params):
        raise ExtractError(f"{where}: path {info['resource_path']} and path parameters differ")
    # In path order, not the builder's: the generator makes them positional arguments, and
    # the path is the order a reader expects (DeleteBackupFile's builder has backup_id first).
    path_params.sort(key=lambda p: expected.index(p["name"]))

    formats = dict(info["collection_formats"])
    query_params = []
    for wire, value in info["query_params"]:
        py = probed_name(value, f"{where} query parameter {wire}")
        entry = param_entry(wire, py, attrs)
        entry["collection_format"] = formats.pop(wire, None)
        query_params.append(entry)
        placed.append(py)
    if formats:
        raise ExtractError(f"{where}: collection formats for non-query parameters {formats}")

    content_type = None
    header_params = []
    for wire, value in info["header_params"].items():
        if wire == "Content-Type" and isinstance(value, str):
            content_type = value
            continue
        py = probed_name(value, f"{where} header {wire}")
        header_params.append(param_entry(wire, py, attrs))
        placed.append(py)

    form_params = []
    for wire, value in info["post_params"].items():
        py = probed_name(value, f"{where} form parameter {wire}")
        form_params.append(param_entry(wire, py, attrs))
        placed.append(py)

    body = None
    if info["body"] is not None:
        py = probed_name(info["body"], f"{where} body")
        a = attrs[py]
        body = {
            "python_name": py,
            "type": a["type"],
            "required": a["required"],
            "description": a["description"],
        }
        placed.append(py)

    if sorted(placed) != sorted(attrs):
        raise ExtractError(f"{where}: request attributes {sorted(attrs)} placed as {sorted(placed)}")

    headers = list(info["response_headers"])
    kind, model = response_shape(response_cls, headers)
    return {
        "name": name,
        "python_method": python_method,
        "http_method": info["method"],
        "path": info["resource_path"],
        "summary": summary,
        "description": description,
        "request_class": request_cls.__name__,
        "response_class": response_cls.__name__,
        "content_type": content_type,
        "path_params": path_params,
        "query_params": query_params,
        "header_params": header_params,
        "form_params": form_params,
        "body": body,
        "response": {"kind": kind, "model": model, "headers": headers},
    }


def operation_roots(op):
    """The model names an operation refers to directly."""
    roots = []
    for group in ("path_params", "query_params", "header_params", "form_params"):
        for p in op[group]:
            roots.extend(type_models(p["type"]))
    if op["body"] is not None:
        roots.extend(type_models(op["body"]["type"]))
    if op["response"]["model"] is not None:
        roots.append(op["response"]["model"])
    return roots


# --- the document ------------------------------------------------------------------------


def extract():
    operations = sorted(
        (operation_entry(m) for m in builder_methods()), key=lambda op: op["name"]
    )
    names = [op["name"] for op in operations]
    if len(set(names)) != len(names):
        raise ExtractError("two request builders give the same operation name")
    roots = [root for op in operations for root in operation_roots(op)]
    models = {name: model_entry(name) for name in reachable_models(roots)}
    return {
        "format_version": FORMAT_VERSION,
        "generated_by": GENERATED_BY,
        "source": {
            "huaweicloudsdkdcs": importlib.metadata.version("huaweicloudsdkdcs"),
            "huaweicloudsdkcore": importlib.metadata.version("huaweicloudsdkcore"),
        },
        "operations": operations,
        "models": models,
    }


def main():
    try:
        spec = extract()
    except ExtractError as e:
        print(f"extract_spec.py: {e}", file=sys.stderr)
        return 1
    text = json.dumps(spec, ensure_ascii=False, indent=1) + "\n"
    sys.stdout.buffer.write(text.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
