"""Benchmark: list every full-ECS image of the ``large`` scenario (1,000 images) page by page through
the wizard's own IMS client, served over loopback HTTP, at page size (``limit``) 100 and 500.

The clients are built as a user would build them (the ``HUAWEICLOUD_SDK_*`` variables plus
``ECS_WIZARD_ENDPOINT`` through ``wizard.config.resolve``), so every request is AK/SK-signed and
verified. Requests are counted by the emulator; time is the median of ``--repeat`` listings after
one warm-up listing per page size. ``--latency`` adds that many seconds to every answer, to see how
the page size matters once each request costs a network round trip.

    python -m benchmarks.paging_large [--images 1000] [--repeat 7] [--limits 100 500] [--latency 0]
"""

from __future__ import annotations

import argparse
import statistics
import time

from wizard.cloud.client import build_clients
from wizard.config import resolve
from wizard.sim import DEMO, BackgroundServer, Emulator, FaultRule


def list_all(clients, emu: Emulator, limit: int) -> tuple[int, int, float]:
    """(images, requests, seconds) of one full listing."""
    before = len(emu.request_log)
    started = time.perf_counter()
    images = list(clients.ims.list_full_ecs_images(page_size=limit))
    seconds = time.perf_counter() - started
    ids = {i.id for i in images}
    if len(ids) != len(images):
        raise SystemExit(f"limit {limit}: {len(images) - len(ids)} images listed twice")
    return len(images), len(emu.request_log) - before, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7, help="timed listings per page size (default 7)")
    parser.add_argument("--limits", type=int, nargs="+", default=[100, 500], help="page sizes (default 100 500)")
    parser.add_argument("--latency", type=float, default=0.0, help="added seconds per request (default 0)")
    args = parser.parse_args()
    emu = Emulator(scenario="large", speed=0, scenario_params={"n": args.images})
    if args.latency:
        emu.add_fault(FaultRule.parse(f"*.*:latency={args.latency}"))
    with BackgroundServer(emu) as url:
        env = {
            "HUAWEICLOUD_SDK_AK": DEMO.ak,
            "HUAWEICLOUD_SDK_SK": DEMO.sk,
            "HUAWEICLOUD_SDK_PROJECT_ID": DEMO.project_id,
            "ECS_WIZARD_ENDPOINT": url,
        }
        settings = resolve(env=env)
        clients = build_clients(settings, settings.require_credentials())
        rows = []
        for limit in args.limits:
            list_all(clients, emu, limit)  # warm-up: connection, first-use costs
            runs = [list_all(clients, emu, limit) for _ in range(args.repeat)]
            images, requests = runs[0][0], runs[0][1]
            times = [seconds * 1000 for _, _, seconds in runs]
            rows.append((limit, images, requests, statistics.median(times), min(times), max(times)))
    print(
        f"large scenario, {args.images} full-ECS images, loopback HTTP {url}, "
        f"added latency {args.latency * 1000:g} ms/request, median of {args.repeat}"
    )
    print(
        f"{'limit':>6} {'images':>7} {'requests':>9} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'ms/request':>11}"
    )
    for limit, images, requests, median, low, high in rows:
        print(
            f"{limit:>6} {images:>7} {requests:>9} {median:>10.1f} {low:>8.1f} {high:>8.1f} {median / requests:>11.2f}"
        )


if __name__ == "__main__":
    main()
