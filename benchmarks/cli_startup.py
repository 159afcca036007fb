"""Benchmark: wall time of ``ecs-wizard --help`` and of an argument error (``ecs-wizard run``
without IMAGE, exit 2), each against ``python -c pass`` in the same interpreter, measured in the
same run. Target (issue 15): ``--help`` <= 2.5x. The CPU time (user + system) the process used is
reported beside it: on a shared machine it moves less with the other processes' load than the wall
time does. A bare argparse ``--help`` is measured too, as the floor that the parser library sets.

Each sample is a fresh process started the way a user starts it: the ``ecs-wizard`` console script
beside this interpreter (what ``pip install`` made), so the script's own imports count. The kinds
alternate, one unmeasured round warms the file cache, and the median of ``--repeat`` rounds is
reported. The wizard's modules are byte-compiled first, as an installed package's are.

    python -m benchmarks.cli_startup [--repeat 11] [--json]
"""

from __future__ import annotations

import argparse
import compileall
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def commands() -> dict[str, list[str]]:
    script = Path(sys.executable).with_name("ecs-wizard")
    if not script.exists():
        raise SystemExit(f"{script} is missing: install the package in this interpreter's environment first")
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        # the floor for any argparse program: the module and one parser's help
        "argparse alone, --help": [sys.executable, "-c", "import argparse; argparse.ArgumentParser().print_help()"],
        "ecs-wizard --help": [str(script), "--help"],
        "ecs-wizard run (argument error)": [str(script), "run"],
    }


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(argv: list[str]) -> tuple[float, float]:
    """Seconds from spawning ``argv`` to its exit, and the CPU seconds it used."""
    cpu, started = cpu_of_children(), time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started, cpu_of_children() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    kinds = commands()
    import wizard

    compileall.compile_dir(wizard.__path__[0], quiet=1)
    for command in kinds.values():
        measure(command)  # warm the file cache; not counted
    samples: dict[str, list[tuple[float, float]]] = {label: [] for label in kinds}
    for _ in range(args.repeat):
        for label, command in kinds.items():
            samples[label].append(measure(command))

    def median(label: str, which: int) -> float:
        return statistics.median(sample[which] for sample in samples[label])

    wall, cpu = median("python -c pass", 0), median("python -c pass", 1)
    rows = {
        label: {
            "seconds": median(label, 0),
            "ratio": round(median(label, 0) / wall, 2),
            "cpu_seconds": median(label, 1),
            "cpu_ratio": round(median(label, 1) / cpu, 2),
        }
        for label in samples
    }
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"CLI start-up, median of {args.repeat} fresh processes, Python {sys.version.split()[0]}")
    print(f"{'':34}{'wall':>9}{'ratio':>8}{'CPU':>9}{'ratio':>8}")
    for label, row in rows.items():
        print(
            f"{label:34}{row['seconds'] * 1000:>6.0f} ms{row['ratio']:>7.2f}x"
            f"{row['cpu_seconds'] * 1000:>6.0f} ms{row['cpu_ratio']:>7.2f}x"
        )
    print("target: ecs-wizard --help <= 2.5x python -c pass (wall time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
