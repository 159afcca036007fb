"""ecs-wizard: repairs slow full-ECS images on Open Telekom Cloud and Huawei Cloud."""

__version__ = "0.1.0"
"""The package's version, its one source: pyproject.toml reads it ([tool.hatch.version]), so the
clients' User-Agent names it without asking :mod:`importlib.metadata` (which costs a demo's first
call more than the call does)."""
