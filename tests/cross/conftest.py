"""The cross-front-end tests reuse the fixtures of the two front ends' own suites: the demo session
factory of the TUI tests and the prompt_toolkit pipe input of the plain-mode tests."""

from tests.plain.conftest import keys  # noqa: F401  (a fixture)
from tests.ui.conftest import _in_tmp, make_session  # noqa: F401  (fixtures)
