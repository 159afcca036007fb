"""One question model for both front ends (DESIGN.md): each question knows its text, choices,
default (pre-filled from detection), help, and the evidence behind the default. The Textual
screens and plain mode each render the same list their own way, and produce the same Answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.cloud.client import Clients
    from wizard.diagnose import Diagnosis

VOLUME_TYPES = ("SSD", "SAS", "SATA", "GPSSD", "ESSD")


@dataclass(frozen=True)
class Choice:
    value: Any
    label: str
    help: str = ""


@dataclass
class Question:
    key: str
    text: str
    choices: list[Choice]
    default: Any
    help: str
    evidence: list[str] = field(default_factory=list)

    def choice_for(self, value: Any) -> Choice:
        for choice in self.choices:
            if choice.value == value:
                return choice
        raise ValueError(f"{value!r} is not a choice for {self.key}")


@dataclass
class ServerChoice:
    """How to create the temporary ECS when the source one is gone."""

    flavor_id: str
    vpc_id: str
    subnet_id: str
    availability_zone: str | None
    volume_type: str


@dataclass
class Answers:
    service: str = "cbr"
    source_exists: bool = True
    server: ServerChoice | None = None
    test_launch: bool = False
    cleanup: bool = True  # delete the temporary ECS at the end (only when the source ECS is gone)
    delete_old_image: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answers:
        data = dict(data)
        if data.get("server"):
            data["server"] = ServerChoice(**data["server"])
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def repair_questions(diagnosis: Diagnosis) -> list[Question]:
    """The two questions of the flowchart, defaults from detection."""
    server = diagnosis.source_server
    detected = server.exists if server else None
    if server is None or detected is None:
        evidence = ["The backup does not say which server it came from; please answer."]
    elif detected:
        evidence = [f"ECS {server.name or server.id} answered with status {server.status}."]
    else:
        evidence = [f"ECS {server.id} was looked up and the cloud says it does not exist (Ecs.0114)."]
    return [
        Question(
            "service",
            "Which service should make the new backup?",
            [
                Choice(
                    "cbr",
                    "CBR (recommended)",
                    "Cloud Backup and Recovery replaces CSBS; a new CBR backup supports fast ECS creation.",
                ),
                Choice(
                    "csbs",
                    "CSBS",
                    "Only where the account still uses CSBS; "
                    "the wizard makes a full backup so it is in the new format. "
                    "Some regions make full-ECS images only from CBR backups.",
                ),
            ],
            "cbr",
            "CBR is recommended: it is the successor of CSBS and all its backups support rapid ECS creation.",
        ),
        Question(
            "source_exists",
            "Does the source ECS still exist?",
            [
                Choice(
                    True, "Yes: back up the existing ECS", "The new backup is made from the server the image came from."
                ),
                Choice(
                    False,
                    "No: first create a temporary ECS from the slow image",
                    "A server is created from the slow image (slowly), then backed up; you may delete it at the end.",
                ),
            ],
            detected if detected is not None else True,
            "Detected from the backup's resource_id; "
            "override it if you know better (for example if the server was rebuilt).",
            evidence,
        ),
    ]


def server_questions(clients: Clients, diagnosis: Diagnosis) -> list[Question]:
    """Settings for the temporary ECS, defaults taken from the old backup where it says."""
    details = diagnosis.backup_details or {}
    flavors = clients.ecs.list_flavors()
    vpcs = clients.vpc.list_vpcs()
    subnets = clients.vpc.list_subnets()
    want_vcpus, want_ram = details.get("vcpus"), details.get("ram_mb")
    flavor_default, flavor_evidence = None, []
    for f in flavors:
        if want_vcpus and want_ram and f.vcpus == int(want_vcpus) and f.ram_mb == int(want_ram):
            flavor_default = f.id
            flavor_evidence.append(
                f"The old backup records {want_vcpus} vCPUs and {want_ram} MB RAM: flavor {f.name} matches."
            )
            break
    if flavor_default is None and flavors:
        min_ram = diagnosis.image_min_ram or 0
        fitting = sorted(
            (f for f in flavors if (f.ram_mb or 0) >= min_ram), key=lambda f: ((f.vcpus or 0), (f.ram_mb or 0))
        )
        flavor_default = (fitting or flavors)[0].id
        flavor_evidence.append("No size recorded in the backup: the smallest flavor that fits the image is suggested.")
    subnet_choices = [
        Choice(
            f"{s.vpc_id}/{s.id}",
            f"{s.name} ({s.cidr}) in VPC {next((v.name for v in vpcs if v.id == s.vpc_id), s.vpc_id)}",
        )
        for s in subnets
    ]
    zone = details.get("availability_zone")
    zones = sorted({s.availability_zone for s in subnets if s.availability_zone} | ({zone} if zone else set()))
    return [
        Question(
            "flavor",
            "Flavor for the temporary ECS",
            [flavor_choice(f) for f in flavors],
            flavor_default,
            "Any flavor that fits the image works; it only has to run long enough to be backed up.",
            flavor_evidence,
        ),
        Question(
            "network",
            "Network (VPC and subnet) for the temporary ECS",
            subnet_choices,
            subnet_choices[0].value if subnet_choices else None,
            "The server gets a private address there; no public IP is created.",
            ["The only subnet in the project."] if len(subnet_choices) == 1 else [],
        ),
        Question(
            "availability_zone",
            "Availability zone",
            [Choice(z, z) for z in zones] + [Choice(None, "let the cloud choose")],
            zone if zone else None,
            "Where the temporary ECS is created.",
            [f"The old backup was taken in {zone}."] if zone else [],
        ),
        Question(
            "volume_type",
            "System disk type",
            [Choice(t, t) for t in VOLUME_TYPES],
            "SAS",
            "The disk type of the temporary ECS (data disks are restored from the image).",
        ),
    ]


def flavor_choice(flavor: Any) -> Choice:
    return Choice(flavor.id, f"{flavor.name} ({flavor.vcpus} vCPU, {(flavor.ram_mb or 0) // 1024} GB)")


def finishing_questions(source_exists: bool) -> list[Question]:
    questions = [
        Question(
            "test_launch",
            "Launch a test ECS from the new image to show how fast it now is?",
            [Choice(False, "No"), Choice(True, "Yes (billable while it runs; it is deleted right after)")],
            False,
            "Creates one server from the new image, times how long it takes to become ACTIVE, then deletes it.",
        ),
    ]
    if not source_exists:
        questions.append(
            Question(
                "cleanup",
                "Delete the temporary ECS at the end?",
                [Choice(True, "Yes, delete it"), Choice(False, "No, keep it")],
                True,
                "It was only needed to make the new backup; deleting it stops its charges.",
            )
        )
    questions.append(
        Question(
            "delete_old_image",
            "Delete the old, slow image once the new one is verified?",
            [Choice(False, "No, keep it"), Choice(True, "Yes, delete it (cannot be undone; asks again first)")],
            False,
            "Only after the new image has passed its checks, and only when you confirm it then. Its backup is kept. "
            "Keep it while launch templates, scripts or auto scaling still name it.",
        )
    )
    return questions


def answers_from(values: dict[str, Any]) -> Answers:
    """Build Answers from the values a front end collected, keyed by question key."""
    server = None
    if values.get("source_exists") is False:
        vpc_id, _, subnet_id = str(values.get("network") or "/").partition("/")
        server = ServerChoice(
            values.get("flavor") or "",
            vpc_id,
            subnet_id,
            values.get("availability_zone"),
            values.get("volume_type") or "SAS",
        )
    return Answers(
        service=values.get("service", "cbr"),
        source_exists=bool(values.get("source_exists", True)),
        server=server,
        test_launch=bool(values.get("test_launch", False)),
        cleanup=bool(values.get("cleanup", True)),
        delete_old_image=bool(values.get("delete_old_image", False)),
    )
