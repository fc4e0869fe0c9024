"""The official Python SDK (huaweicloudsdkdcs) for scale in the project's benchmarks.

  official_bulk.py list ENDPOINT AK SK PROJECT SECS
      list_center_task(limit=1000) in a loop for SECS seconds; prints OFFICIAL rps=...
  official_bulk.py delete ENDPOINT AK SK PROJECT PREFIX N
      delete_center_task for ids PREFIX00000 .. PREFIX{N-1}, one after another, as a user's
      loop would; prints OFFICIAL deleted=... secs=... rps=... errors=...

Only loopback endpoints are accepted.
"""
import sys
import time

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkdcs.v2 import DcsClient, DeleteCenterTaskRequest, ListCenterTaskRequest


def client(endpoint, ak, sk, project):
    if not endpoint.startswith("http://127.0.0.1:"):
        raise SystemExit("refusing a non-loopback endpoint: " + endpoint)
    return (
        DcsClient.new_builder()
        .with_credentials(BasicCredentials(ak, sk, project))
        .with_endpoint(endpoint)
        .build()
    )


def main(argv):
    if len(argv) == 7 and argv[1] == "list":
        c = client(*argv[2:6])
        secs = float(argv[6])
        n = 0
        start = time.perf_counter()
        while time.perf_counter() - start < secs and n < 100000:
            r = c.list_center_task(ListCenterTaskRequest(limit=1000))
            assert len(r.tasks) == 1000
            n += 1
        wall = time.perf_counter() - start
        print("OFFICIAL list requests=%d secs=%.3f rps=%.1f" % (n, wall, n / wall), flush=True)
    elif len(argv) == 8 and argv[1] == "delete":
        c = client(*argv[2:6])
        prefix, n = argv[6], int(argv[7])
        errors = 0
        start = time.perf_counter()
        for i in range(n):
            try:
                c.delete_center_task(DeleteCenterTaskRequest(task_id="%s%05d" % (prefix, i)))
            except ClientRequestException:
                errors += 1
        wall = time.perf_counter() - start
        print(
            "OFFICIAL deleted=%d secs=%.3f rps=%.1f errors=%d" % (n - errors, wall, (n - errors) / wall, errors),
            flush=True,
        )
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
