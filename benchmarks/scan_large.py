"""Benchmark: ``scan`` over the ``large`` scenario (1,000 full-ECS images) with bounded concurrency,
against a one-at-a-time scan. Served over loopback HTTP with a small added latency per request, so
the comparison reflects a network round trip rather than an in-process call.

    python -m benchmarks.scan_large [--images 1000] [--latency 0.005] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import threading
import time

from wizard.cloud.client import build_clients
from wizard.config import resolve
from wizard.diagnose import scan
from wizard.sim import DEMO, Emulator, FaultRule, serve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.005, help="added seconds per request (default 0.005)")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    emu = Emulator(scenario="large", speed=0, scenario_params={"n": args.images})
    if args.latency:
        emu.add_fault(FaultRule.parse(f"*.*:latency={args.latency}"))
    ready = threading.Event()
    url = {}

    def on_ready(u: str) -> None:
        url["u"] = u
        ready.set()

    threading.Thread(
        target=serve, args=(emu,), kwargs={"host": "127.0.0.1", "port": 0, "on_ready": on_ready}, daemon=True
    ).start()
    ready.wait(10)
    env = {
        "HUAWEICLOUD_SDK_AK": DEMO.ak,
        "HUAWEICLOUD_SDK_SK": DEMO.sk,
        "HUAWEICLOUD_SDK_PROJECT_ID": DEMO.project_id,
        "ECS_WIZARD_ENDPOINT": url["u"],
    }
    settings = resolve(env=env)
    clients = build_clients(settings, settings.require_credentials())
    started = time.perf_counter()
    images = list(clients.ims.list_full_ecs_images())
    listing = time.perf_counter() - started
    print(f"listed {len(images)} full-ECS images page by page in {listing:.2f} s")
    timings = {}
    for concurrency in (args.concurrency, 1):
        started = time.perf_counter()
        results = scan(clients, concurrency=concurrency, images=images)
        timings[concurrency] = time.perf_counter() - started
        affected = sum(1 for d in results if d.affected)
        print(
            f"scan, concurrency {concurrency}: {len(results)} images in {timings[concurrency]:.2f} s "
            f"({affected} affected)"
        )
    print(f"speed-up {timings[1] / timings[args.concurrency]:.1f}x with concurrency {args.concurrency}")


if __name__ == "__main__":
    main()
