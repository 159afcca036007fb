"""The fixed demo account every emulator serves."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoAccount:
    """The demo's endpoint, credentials and project, which the emulator accepts."""

    endpoint: str
    """Base URL the in-process adapter is mounted on (``.invalid``: it never resolves)."""
    ak: str
    sk: str
    project_id: str
    region: str
    user: str
    password: str
    domain: str


DEMO = DemoAccount(
    endpoint="http://emulator.ecs-wizard.invalid",
    ak="DEMOAK0000000000WIZ",
    sk="DEMOSK0000000000000000000000000000WIZARD",  # 40 characters, like a real SK
    project_id="5ca1ab1e0000400080000000000de000",
    region="eu-de",
    user="demo-user",
    password="demo-password",
    domain="demo-domain",
)
