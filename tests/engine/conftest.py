"""An emulator with a frozen virtual clock: the runner's sleeps advance it, so whole repairs run in
milliseconds and deterministically."""

from tests.frozen import emu, session  # noqa: F401  (fixtures)
