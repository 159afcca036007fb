"""``ecs-wizard sim serve`` in a child process, as a user starts it in another shell: the tests that
need the emulator in a process of its own (SIGKILLs, concurrent CLI processes, what ``sim serve``
prints) start it here. For an emulator in the test's own process behind loopback HTTP, use the
``served`` fixture of ``tests/engine/conftest.py``."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from wizard.sim.profiles import SERVICES

ROOT = Path(__file__).resolve().parents[1]
LAST_LINE = f"ECS_WIZARD_ENDPOINT_{SERVICES[-1].upper()}"  # sim serve prints one endpoint line per service, last


@dataclass
class SimServe:
    """A running ``sim serve``: the lines it printed on standard output (all of them once it stopped),
    the variables they export (values without their ``# in place of …`` comments), its exit code once
    stopped, and its standard error."""

    child: subprocess.Popen[str]
    log: IO[str]
    lines: list[str] = field(default_factory=list)
    exports: dict[str, str] = field(default_factory=dict)
    returncode: int | None = None
    _stderr: str = ""  # what it wrote, kept when it stopped (its file is gone then)

    @property
    def env(self) -> dict[str, str]:
        """This environment with the served cloud's variables: what a client in another shell has."""
        return dict(os.environ, PYTHONPATH=str(ROOT), **self.exports)

    def stderr(self) -> str:
        if self.log.closed:
            return self._stderr
        self.log.seek(0)
        return self.log.read()

    def _read(self, line: str) -> None:
        line = line.rstrip("\n")
        self.lines.append(line)
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            self.exports[name] = value.split("#", 1)[0].strip()

    def stop(self) -> None:
        """Ctrl-C, as a user stops it; killed if it has not stopped 10 s later (``returncode`` says which)."""
        self.child.send_signal(signal.SIGINT)
        try:
            out, _ = self.child.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.child.kill()
            out, _ = self.child.communicate()
        for line in out.splitlines():
            self._read(line)
        self.returncode = self.child.returncode
        self._stderr = self.stderr()


@contextlib.contextmanager
def sim_serve(*options: str) -> Iterator[SimServe]:
    """``ecs-wizard sim serve --port 0 OPTIONS``, yielded once it has printed every export (it serves
    from then on), stopped with Ctrl-C when the block ends."""
    with tempfile.TemporaryFile("w+") as log:  # a file: a pipe nobody reads would fill up and block it
        child = subprocess.Popen(
            [sys.executable, "-m", "wizard", "sim", "serve", "--port", "0", *options],
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
        )
        served = SimServe(child, log)
        try:
            assert child.stdout is not None
            for line in child.stdout:
                served._read(line)
                if line.startswith(f"export {LAST_LINE}="):
                    break
            else:
                raise AssertionError(f"sim serve stopped before it served: {served.stderr()}")
            yield served
        finally:
            served.stop()
