"""The SDK suite: the official Huawei Cloud Python SDK (huaweicloudsdkcore/-ims/-ecs/-cbr 3.1.219,
the ``dev`` extra) pointed at the emulator over real loopback HTTP, the way anyone would point it at
the cloud: ``BasicCredentials(ak, sk, project_id)`` and ``ClientBuilder.with_endpoints([url])``.
There is no CSBS SDK package, so CSBS is not covered here (tests/contract covers it).

The emulator and its frozen clock come from the contract suite's fixtures (``cloud``,
``shared_cloud``); tests move virtual time with ``cloud.emu.clock.advance``. Every SDK answer is
also checked against the SDK's own response model (``helpers.assert_fits_model``): a field the
model does not know, or a value of another JSON type, fails the test unless it is listed in
``helpers.KNOWN_EXTRAS`` with the document that has it.

Emulator fixes this suite led to, and what was learned:

* ECS ``GET /v1/{project_id}/cloudservers/flavors`` names the extra specs ``os_extra_specs`` (with an
  underscore; the SDK's ``Flavor.os_extra_specs``, and the ECS API's flavor data structure). The
  emulator said ``os-extra_specs``, the Nova spelling, so SDK users saw ``None``
  (wizard/sim/views.py; tests/contract/test_contract_ecs.py asserted the old spelling).
* ECS server details (``/v1`` cloudservers): ``addresses[].version`` is a string (``"4"``), and
  ``flavor``/``image`` carry no ``links`` (those are Nova's); the emulator sent an integer and
  ``links`` (wizard/sim/views.py).
* ECS list ``offset`` is a page number where 0 means the first page; the emulator refused 0 with
  ``Ecs.0005`` (wizard/sim/app.py).
* IMS ``GET /v2/cloudimages`` honours ``created_at``/``updated_at`` = ``<gt|gte|lt|lte|eq|neq>:<UTC
  time>`` (reference §1.1; ``ListImagesRequest.created_at``); the emulator ignored both and
  returned every image, and sorted ``sort_key=updated_at`` by creation time (wizard/sim/app.py,
  wizard/sim/views.py).
* CBR reports a backup's progress on its task (``GET /v3/{project_id}/operation-logs[/{id}]``,
  ``extra_info.common.progress``; reference §3 and the SDK's ``OpExtendInfoCommon``), not in the
  backup's ``extend_info`` (the SDK's ``BackupExtendInfo`` has no ``progress``). The emulator put a
  percentage on CBR backups; it now serves the tasks instead, and the wizard's CBR backup step polls
  the task while it runs (wizard/sim/views.py ``cbr_task``, wizard/steps.py ``CbrBackup``).

Nothing was needed for signing: the SDK signs ``content-type;host;user-agent;x-project-id;x-sdk-date``
with ``Host`` carrying the port, and the emulator verifies exactly that.
"""

from __future__ import annotations

import pytest

from tests.contract.conftest import cloud, open_cloud, shared_cloud  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def profile() -> str:
    """The Huawei Cloud SDK meets the emulator as Huawei Cloud (wizard.sim.profiles ``hwc``), where its
    calls (``show_job_progress`` among them) are published."""
    return "hwc"


@pytest.fixture
def sdk(cloud):  # noqa: F811
    """SDK clients for the fresh demo emulator of ``cloud``."""
    from tests.sdk.helpers import connect

    return connect(cloud.url)


@pytest.fixture(scope="module")
def shared_sdk(shared_cloud):  # noqa: F811
    """SDK clients for the module's read-only ``shared_cloud``."""
    from tests.sdk.helpers import connect

    return connect(shared_cloud.url)
