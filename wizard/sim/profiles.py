"""The two clouds the emulator can be: Open Telekom Cloud (``otc``, the default) and Huawei Cloud (``hwc``).

Both serve the same APIs from the same documents; a profile holds only what the documents say differs:

============================== ================================== ====================================
difference                     ``otc``                            ``hwc``
============================== ================================== ====================================
region, zones                  ``eu-de``: ``eu-de-01``, ``-02``   ``eu-west-101``: ``eu-west-101a``, ``b``
endpoint host names            ``<svc>.eu-de.otc.t-systems.com``  ``<svc>.eu-west-101.myhuaweicloud.eu``
IMS job percentage path        absent (404 ``APIGW.0101``)        ``GET /v1/cloudimages/job/{job_id}``
CBR look-up of an unknown      404 ``BackupService.6200``         401 ``{"unauthorized": {"code": "401",
backup or restore point                                           "message": "Malformed request url"}}``
variables a client reads       ``OS_ACCESS_KEY`` ... (clouds.yaml ``HUAWEICLOUD_SDK_AK`` ... (the SDK's)
                               style)
============================== ================================== ====================================

Sources: host names, OTC's catalog (OTC public-images "API Endpoints" table) and the Huawei Cloud SDK's region
files (huaweicloud/huaweicloud-sdk-python-v3, ``ims_region.py``: ``eu-west-101`` is served from
``myhuaweicloud.eu``); the percentage path is in the Huawei Cloud SDK (``show_job_progress``) and not in
OTC's API reference (opentelekomcloud-docs/image-management-service ``api-ref/source/ims_apis/image_jobs``);
the 401 is what Huawei Cloud answers for a CBR backup that does not exist (huaweicloud/terraform-provider-
huaweicloud ``huaweicloud/services/cbr/resource_huaweicloud_cbr_checkpoint.go``, ``parseBackupError``).
Zone names follow each cloud's pattern (``eu-de-01`` on OTC, a letter after the region on Huawei Cloud).
"""

from __future__ import annotations

from dataclasses import dataclass

SERVICES = ("iam", "ims", "ecs", "cbr", "csbs", "vpc", "evs")
"""The services the emulator serves (one base URL serves them all)."""


@dataclass(frozen=True)
class CloudProfile:
    """Which cloud the emulator is: its region, zones, host names and its documented differences."""

    name: str
    title: str
    region: str
    availability_zones: tuple[str, ...]
    host_domain: str  # endpoints are https://<service>.<region>.<host_domain>
    job_progress_path: bool
    cbr_missing_is_401: bool

    def endpoint(self, service: str) -> str:
        """Where the real cloud serves ``service`` in this profile's region."""
        return f"https://{service}.{self.region}.{self.host_domain}"


OTC = CloudProfile(
    name="otc",
    title="Open Telekom Cloud",
    region="eu-de",
    availability_zones=("eu-de-01", "eu-de-02"),
    host_domain="otc.t-systems.com",
    job_progress_path=False,
    cbr_missing_is_401=False,
)
HWC = CloudProfile(
    name="hwc",
    title="Huawei Cloud",
    region="eu-west-101",
    availability_zones=("eu-west-101a", "eu-west-101b"),
    host_domain="myhuaweicloud.eu",
    job_progress_path=True,
    cbr_missing_is_401=True,
)
PROFILES = {p.name: p for p in (OTC, HWC)}
DEFAULT = OTC.name

MALFORMED_URL = {"unauthorized": {"code": "401", "message": "Malformed request url"}}
"""Huawei Cloud's answer to a CBR look-up of a backup or restore point that does not exist."""


def profile_named(name: str) -> CloudProfile:
    """The profile called ``name``; a clear ValueError for any other name."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown cloud profile {name!r}; profiles: {', '.join(PROFILES)}") from None
