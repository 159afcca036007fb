"""The cloud API client: IMS, CBR, CSBS, ECS (+ the VPC lists a temporary server needs) and IAM.

Nothing here knows about the wizard's flow or any front end; see DESIGN.md "Layers".
"""

from wizard.cloud.http import AnswerLost, CloudError, CloudUnreachable, HttpClient, RetryPolicy
from wizard.cloud.secrets import Secret

__all__ = ["AnswerLost", "CloudError", "CloudUnreachable", "HttpClient", "RetryPolicy", "Secret"]
