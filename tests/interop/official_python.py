"""Drives the official Huawei Cloud Python SDK (huaweicloudsdkdcs) against a loopback server.

Used by the interop test (tests/tests/official_sdk.rs) and by the end-to-end bench; both pass
everything on the command line and read one line back.

  official_python.py check ENDPOINT AK SK PROJECT TASK
      deletes TASK with a message, deletes it again, then deletes with a wrong secret key;
      prints one line per call: "CALL <name> <status> <error_code> <request_id>"
  official_python.py bench ENDPOINT AK SK PROJECT TASK SECS
      sequential deletes for SECS seconds after a short warm-up; prints
      "OFFICIAL requests=N secs=S rps=R p50_us=A p99_us=B errors=E"

Talks to 127.0.0.1 only: the endpoint must be http://127.0.0.1:PORT.
"""

import sys
import time

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
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


def main(argv):
    if len(argv) >= 7 and argv[1] == "check":
        check(*argv[2:7])
    elif len(argv) >= 8 and argv[1] == "bench":
        bench(*argv[2:7], float(argv[7]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
