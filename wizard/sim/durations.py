"""How long the emulated asynchronous operations take, in virtual seconds.

At the default demo speed (60 virtual seconds per real second) a fast server build takes one real
second and a CBR backup four.
"""

SERVER_BUILD_FAST = 60.0
"""Server from a system-disk image, or from a full-ECS image whose backup supports lazy loading."""

SERVER_BUILD_SLOW = 600.0
"""Server from a full-ECS image whose backup does NOT support lazy loading (old-format CSBS): the
symptom the wizard repairs (10x slower)."""

SERVER_UNREGISTERED = 15.0
"""A new server answers 404 to ``GET /v1/{project_id}/cloudservers/{id}`` for its first seconds: "if the
system returns a 404 error, the ECS is being created, or creating the ECS failed" (opentelekomcloud-docs/
elastic-cloud-server api-ref/source/apis_recommended/lifecycle_management/creating_ecss.rst)."""

SERVER_DELETE = 20.0
IMAGE_DELETE = 10.0
"""IMS deletes an image after answering 204: it stays listed this long."""
CBR_BACKUP = 240.0
CSBS_BACKUP = 300.0
IMS_WHOLE_IMAGE = 180.0

BACKUP_WAITING = 10.0
"""A new CBR or CSBS backup is ``waiting_protect`` for its first seconds, then ``protecting`` (both
documents list the status: opentelekomcloud-docs/cloud-backup-recovery api-ref/source/cbr_apis/backups/
querying_a_specified_backup.rst, cloud-server-backup-service api-ref/source/api_description/
backup_management/querying_a_single_backup.rst)."""

JOB_INIT = 5.0
"""Every job (IMS, ECS) reports INIT for its first seconds, then RUNNING."""

IMAGE_QUEUED_FRACTION = 0.1
"""A new full-ECS image is ``queued`` for the first 10 % of its job, then ``saving``, then ``active``."""

TOKEN_LIFETIME = 24 * 3600.0
"""IAM tokens are valid for 24 hours of virtual time."""

FULL_BACKUP_DATA_RATIO = 0.05
"""A full backup stores 5 % of the allocated disk size (the demo disks are mostly empty)."""

INCREMENTAL_BACKUP_DATA_RATIO = 0.01
"""An incremental backup stores 1 % of the allocated disk size."""
