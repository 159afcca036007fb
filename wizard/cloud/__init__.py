"""The cloud API client: IMS, CBR, CSBS, ECS (+ the VPC lists a temporary server needs) and IAM.

Nothing here knows about the wizard's flow or any front end; see DESIGN.md "Layers". The error types
live in :mod:`wizard.cloud.errors`, which does not import ``requests``; the HTTP client itself is
imported on first use.
"""

from typing import Any

from wizard.cloud.errors import AnswerLost, CloudError, CloudUnreachable
from wizard.cloud.secrets import Secret

__all__ = ["AnswerLost", "CloudError", "CloudUnreachable", "HttpClient", "RetryPolicy", "Secret"]


def __getattr__(name: str) -> Any:
    if name in ("HttpClient", "RetryPolicy"):
        from wizard.cloud import http

        return getattr(http, name)
    raise AttributeError(f"module 'wizard.cloud' has no attribute {name!r}")
