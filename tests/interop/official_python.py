"""Drives the official Huawei Cloud Python SDK (huaweicloudsdkdcs) against a loopback server.

Used by the interop test (tests/tests/official_sdk.rs) and by the end-to-end bench; both pass
everything on the command line and read one line back.

  official_python.py check ENDPOINT AK SK PROJECT TASK
      deletes TASK with a message, deletes it again, then deletes with a wrong secret key;
      prints one line per call: "CALL <name> <status> <error_code> <request_id>"
  official_python.py bench ENDPOINT AK SK PROJECT TASK SECS
      sequential deletes for SECS seconds after a short warm-up; prints
      "OFFICIAL requests=N secs=S rps=R p50_us=A p99_us=B errors=E"
  official_python.py interop ENDPOINT AK SK PROJECT
      reads one JSON object a line on stdin, {"name", "python_method", "input"} (input as
      our client takes it: path and query parameters by their API names, the body under
      "body"), builds the SDK's own <name>Request from it, sends it, and answers each line
      at once with one JSON line: {"name", "error": null or why the call failed, "notes":
      [input values whose JSON type is not the one the SDK declares]}

Talks to 127.0.0.1 only: the endpoint must be http://127.0.0.1:PORT.
"""

import json
import sys
import time
import warnings

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException, ServiceResponseException
from huaweicloudsdkcore.sdk_stream_response import SdkStreamResponse
import huaweicloudsdkdcs.v2 as dcs_v2
import huaweicloudsdkdcs.v2.model as dcs_models
from huaweicloudsdkdcs.v2 import (
    DcsClient,
    DeleteCenterTaskRequest,
    DeleteCenterTaskRequestBody,
)


def client(endpoint, ak, sk, project):
    if not endpoint.startswith("http://127.0.0.1:"):
        raise SystemExit("refusing a non-loopback endpoint: " + endpoint)
    creds = BasicCredentials(ak, sk, project)
    return (
        DcsClient.new_builder()
        .with_credentials(creds)
        .with_endpoint(endpoint)
        .build()
    )


def call(name, c, request):
    """One delete; prints its outcome as the server reported it."""
    try:
        c.delete_center_task(request)
        print("CALL", name, 200, "-", "-", flush=True)
    except ClientRequestException as e:
        print("CALL", name, e.status_code, e.error_code, e.request_id, flush=True)


def check(endpoint, ak, sk, project, task):
    c = client(endpoint, ak, sk, project)
    body = DeleteCenterTaskRequestBody(message="deleted by the interop test")
    call("delete", c, DeleteCenterTaskRequest(task_id=task, body=body))
    call("delete_again", c, DeleteCenterTaskRequest(task_id=task))
    wrong = client(endpoint, ak, sk + "x", project)
    call("wrong_sk", wrong, DeleteCenterTaskRequest(task_id=task))


def bench(endpoint, ak, sk, project, task, secs):
    c = client(endpoint, ak, sk, project)
    request = DeleteCenterTaskRequest(task_id=task)
    for _ in range(50):
        c.delete_center_task(request)
    latencies = []
    errors = 0
    start = time.perf_counter()
    deadline = start + secs
    while time.perf_counter() < deadline and len(latencies) < 1_000_000:
        t0 = time.perf_counter_ns()
        try:
            c.delete_center_task(request)
        except Exception:  # counted, not hidden: the bench refuses a run with errors
            errors += 1
        latencies.append(time.perf_counter_ns() - t0)
    wall = time.perf_counter() - start
    latencies.sort()
    n = len(latencies)
    p50 = latencies[n // 2] / 1e3 if n else 0.0
    p99 = latencies[min(n - 1, (n * 99) // 100)] / 1e3 if n else 0.0
    print(
        "OFFICIAL requests=%d secs=%.3f rps=%.0f p50_us=%.1f p99_us=%.1f errors=%d"
        % (n, wall, n / wall, p50, p99, errors),
        flush=True,
    )


# The SDK's scalar type names (openapi_types) and the JSON types a value of each may have.
SCALARS = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "object": (dict, list, str, int, float, bool),
}


def build(type_name, value, where, notes):
    """`value` (decoded JSON) as the SDK wants it for a field of type `type_name`: SDK model
    instances for models, recursively; scalars as they are, with a note when the JSON type
    differs from the declared one (the SDK would send it as given)."""
    if value is None:
        return None
    if type_name.startswith("list["):
        if not isinstance(value, list):
            raise ValueError("%s: a %s, not a list" % (where, type(value).__name__))
        inner = type_name[len("list[") : -1]
        return [build(inner, v, "%s[%d]" % (where, i), notes) for i, v in enumerate(value)]
    if type_name.startswith("dict("):
        if not isinstance(value, dict):
            raise ValueError("%s: a %s, not an object" % (where, type(value).__name__))
        inner = type_name[len("dict(") : -1].split(",", 1)[1].strip()
        return {k: build(inner, v, "%s.%s" % (where, k), notes) for k, v in value.items()}
    if type_name in SCALARS:
        ok = SCALARS[type_name]
        if not isinstance(value, ok) or (type_name in ("int", "float") and isinstance(value, bool)):
            notes.append("%s: the SDK declares %s, the input has %s" % (where, type_name, json.dumps(value)))
        return value
    cls = getattr(dcs_models, type_name, None)
    if cls is None:
        raise ValueError("%s: the SDK has no type %s" % (where, type_name))
    return instance(cls, value, where, notes)


def instance(cls, obj, where, notes):
    """An SDK model (or request) instance from a JSON object keyed by wire names."""
    if not isinstance(obj, dict):
        raise ValueError("%s: a %s, not an object for %s" % (where, type(obj).__name__, cls.__name__))
    by_wire = {wire: attr for attr, wire in cls.attribute_map.items()}
    kwargs = {}
    for key, value in obj.items():
        attr = by_wire.get(key)
        if attr is None:
            raise ValueError("%s.%s: %s has no such field" % (where, key, cls.__name__))
        kwargs[attr] = build(cls.openapi_types[attr], value, "%s.%s" % (where, key), notes)
    return cls(**kwargs)


def interop(endpoint, ak, sk, project):
    c = client(endpoint, ak, sk, project)
    for line in sys.stdin:
        if not line.strip():
            continue
        case = json.loads(line)
        notes = []
        answer = {
            "name": case["name"],
            "error": None,
            "notes": notes,
            "status": None,
            "error_code": None,
            "response_class": None,
            "raised": None,
            "warnings": [],
        }
        try:
            request_class = getattr(dcs_v2, case["name"] + "Request")
            request = instance(request_class, case["input"], "input", notes)
        except Exception as e:  # the input does not fit the SDK's request: reported, not sent
            answer["error"] = "input: %s: %s" % (type(e).__name__, e)
            print(json.dumps(answer), flush=True)
            continue
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                response = getattr(c, case["python_method"])(request)
                if isinstance(response, SdkStreamResponse):
                    chunks = []
                    response.consume_download_stream(lambda raw: chunks.extend(raw.iter_content(8192)))
                    answer["stream_bytes"] = sum(len(c) for c in chunks)
            answer["response_class"] = type(response).__name__
            answer["status"] = getattr(response, "status_code", None)
            answer["warnings"] = ["%s: %s" % (w.category.__name__, w.message) for w in caught]
        except ServiceResponseException as e:
            answer["error"] = "HTTP %s %s %s" % (e.status_code, e.error_code, e.error_msg)
            answer["status"] = e.status_code
            answer["error_code"] = e.error_code
        except Exception as e:  # reported to the test, which decides what it means
            answer["error"] = "%s: %s" % (type(e).__name__, e)
            answer["raised"] = answer["error"]
        print(json.dumps(answer), flush=True)


def main(argv):
    if len(argv) >= 7 and argv[1] == "check":
        check(*argv[2:7])
    elif len(argv) >= 8 and argv[1] == "bench":
        bench(*argv[2:7], float(argv[7]))
    elif len(argv) >= 6 and argv[1] == "interop":
        interop(*argv[2:6])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
