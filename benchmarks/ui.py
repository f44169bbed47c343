"""Time the HR page's routes on a running service, signed in as a browser would be.

Signs in with the key through the form (CSRF cookie and field), then requests each page,
the two downloads and a what-if through ``/v1/whatif`` with the page's session cookie and
CSRF token, ``--repeat`` times each, and prints p50 / p95 and the size of the answer.

    .venv/bin/erisk serve --port 3000 &          # on a scored store (make demo makes one)
    .venv/bin/python -m benchmarks.ui --url http://127.0.0.1:3000 --key erisk_...
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable

import httpx


def sign_in(client: httpx.Client, key: str) -> str:
    """Sign in through the form; return the page's CSRF token for scripted calls."""
    form = client.get("/ui/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    if token is None:
        raise SystemExit(f"no sign-in form at {client.base_url}/ui/login")
    answer = client.post("/ui/login", data={"csrf": token.group(1), "api_key": key})
    if answer.status_code != 303:
        raise SystemExit(f"sign-in refused ({answer.status_code}): check the key")
    page = client.get("/ui/")
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def measure(call: Callable[[], httpx.Response], repeat: int) -> tuple[float, float, int]:
    """p50 and p95 in ms, and the body size of the last answer (every answer must be 200)."""
    times = []
    answer = None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = call()
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{answer.request.url} answered {answer.status_code}")
    times.sort()
    assert answer is not None
    return statistics.median(times), times[max(0, int(0.95 * len(times)) - 1)], len(answer.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:3000")
    parser.add_argument("--key", required=True, help="an API key (erisk keys create)")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with httpx.Client(base_url=args.url, timeout=60) as client:
        csrf = sign_in(client, args.key)
        page = client.get("/ui/")
        month = re.search(r'<option value="(\d{4}-\d\d)" selected', page.text)
        team = re.search(r"/ui/teams/([A-Za-z0-9_.\-]+)", page.text)
        if month is None or team is None:
            raise SystemExit("the list shows no team: score a month with flagged teams first")
        changes = {"overtime_mean_hours": 10}
        body = {"team_id": team.group(1), "month": month.group(1), "changes": changes}
        calls: dict[str, Callable[[], httpx.Response]] = {
            "GET /ui/ (list)": lambda: client.get("/ui/"),
            "GET /ui/teams/{team_id}": lambda: client.get(f"/ui/teams/{team.group(1)}"),
            "GET /ui/model": lambda: client.get("/ui/model"),
            "GET /ui/export.csv": lambda: client.get("/ui/export.csv"),
            "GET /ui/report.html": lambda: client.get("/ui/report.html"),
            "POST /v1/whatif (page session)": lambda: client.post(
                "/v1/whatif", json=body, headers={"X-CSRF-Token": csrf}
            ),
        }
        for name, call in calls.items():
            p50, p95, size = measure(call, args.repeat)
            print(f"{name:32s} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  {size:,} bytes")


if __name__ == "__main__":
    main()
