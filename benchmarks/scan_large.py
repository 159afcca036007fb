"""Benchmark: ``scan`` of the ``large`` scenario (1,000 full-ECS images) with the concurrency that
adapts (:mod:`wizard.pacing`), against one image at a time, at 5, 30 and 100 ms of latency per
request, and once more at 30 ms with throttling injected (HTTP 429 ``APIGW.0308``, Retry-After 1 s).

The emulator runs in its own process (``ecs-wizard sim serve``, on a free loopback port), as the
real cloud does, so that signing requests and answering them do not share one interpreter lock.
Each row is measured in one run: the adaptive scan of every image, then one-at-a-time over the
first ``--baseline-images`` of the same list (the scenario cycles through its five kinds of image,
so a prefix of whole cycles costs per image what the whole list does; one at a time at 100 ms
would take minutes). The ratio compares time per image. The machine's load average is printed
beside the figures: on a shared machine they move with it.

A first line gives what one call costs with no latency added, one at a time (the wall time, and this
process's CPU time: signing, ``requests``, reading the answer): the floor under every row.

    python -m benchmarks.scan_large [--images 1000] [--baseline-images 100] [--latencies 0.005,0.03,0.1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wizard.cloud.client import Clients, build_clients
from wizard.cloud.services import SERVICES
from wizard.config import resolve
from wizard.diagnose import scan
from wizard.pacing import DEFAULT_CEILING, AdaptiveLimit

THROTTLING = (
    "ims.*:prob=0.1:status=429:code=APIGW.0308:retry_after=1",
    "cbr.*:prob=0.02:status=429:code=APIGW.0308:retry_after=1",
)


@contextmanager
def served(images: int, faults: list[str]) -> Iterator[dict[str, str]]:
    """``ecs-wizard sim serve`` in a child process; yields the environment that points at it."""
    script = Path(sys.executable).with_name("ecs-wizard")
    argv = [str(script), "sim", "serve", "--scenario", "large", "--size", str(images), "--port", "0"]
    for rule in faults:
        argv += ["--fault", rule]
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        env: dict[str, str] = {}
        assert server.stdout is not None
        while len(env) < 4 + len(SERVICES):  # the credentials, then ``export NAME=URL  # comment`` per service
            line = server.stdout.readline()
            if not line:
                raise SystemExit("the emulator exited before it served")
            name, _, value = line.removeprefix("export ").partition("#")[0].strip().partition("=")
            env[name] = value
        yield env
    finally:
        server.terminate()
        server.wait(10)


def timed_scan(clients: Clients, images: list, ceiling: int) -> tuple[float, AdaptiveLimit, int]:
    pace = AdaptiveLimit(ceiling)
    started = time.perf_counter()
    results = scan(clients, images=images, pace=pace)
    unique = len({d.image_id for d in results})
    if len(results) != len(images) or unique != len(images):
        raise SystemExit(f"scan returned {len(results)} results for {unique} of {len(images)} images")
    return time.perf_counter() - started, pace, unique


def row(images: int, baseline_images: int, latency: float, throttling: bool, ceiling: int) -> str:
    faults = [f"*.*:latency={latency}"] + (list(THROTTLING) if throttling else [])
    with served(images, faults) as env:
        settings = resolve(env=env)
        clients = build_clients(settings, settings.require_credentials())
        pace = AdaptiveLimit(ceiling)
        with clients.throttles_to(pace.on_throttle):
            listed = list(clients.ims.list_full_ecs_images())
        listing_throttled = pace.throttled
        adaptive, pace, unique = timed_scan(clients, listed, ceiling)
        one, _, _ = timed_scan(clients, listed[:baseline_images], 1)
    ratio = (one / baseline_images) / (adaptive / len(listed))
    label = f"{latency * 1000:.0f} ms" + (" + 429s" if throttling else "")
    return (
        f"{label:14} adaptive {adaptive:6.2f} s for {unique} images (peak {pace.peak}, ended at {pace.limit}, "
        f"{pace.throttled + listing_throttled} throttled); one at a time {one:6.2f} s for {baseline_images}: "
        f"{ratio:5.1f}x"
    )


def call_cost(calls: int) -> str:
    with served(10, []) as env:
        settings = resolve(env=env)
        http = build_clients(settings, settings.require_credentials()).ims.http
        for _ in range(20):  # warm up: the connection, the imports, the caches
            http.get("/v2/cloudimages", params={"limit": 1})
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(calls):
            http.get("/v2/cloudimages", params={"limit": 1})
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return (
        f"one call at a time, no latency added: {wall / calls * 1000:.2f} ms wall, "
        f"{cpu / calls * 1000:.2f} ms of the client's CPU per call ({calls} calls)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--baseline-images", type=int, default=100, help="images scanned one at a time (default 100)")
    parser.add_argument("--latencies", default="0.005,0.03,0.1", help="seconds per request, comma-separated")
    parser.add_argument("--ceiling", type=int, default=DEFAULT_CEILING, help="most images at once (the CLI default)")
    parser.add_argument("--no-throttling", action="store_true", help="skip the run with 429s injected")
    parser.add_argument("--calls", type=int, default=500, help="calls for the first line, what one call costs")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    latencies = [float(x) for x in args.latencies.split(",")]
    print(call_cost(args.calls), flush=True)
    runs = [(latency, False) for latency in latencies] + ([] if args.no_throttling else [(0.03, True)])
    for latency, throttling in runs:
        print(row(args.images, args.baseline_images, latency, throttling, args.ceiling), flush=True)
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
