"""Where the wizard's cloud settings come from, and what they resolved to.

Resolution order, first match wins:

1. ``--demo``: the built-in emulator with its fixed demo credentials.
2. ``--cloud hwc|otc`` narrows the choice below to that cloud.
3. Huawei Cloud SDK variables: ``HUAWEICLOUD_SDK_AK``, ``HUAWEICLOUD_SDK_SK``,
   ``HUAWEICLOUD_SDK_PROJECT_ID`` (+ ``HUAWEICLOUD_SDK_SECURITY_TOKEN`` for temporary
   credentials), region from ``--region`` or ``HUAWEICLOUD_SDK_REGION``.
4. Open Telekom Cloud: ``OS_CLOUD`` naming an entry of ``clouds.yaml`` (``OS_CLIENT_CONFIG_FILE``,
   ``./clouds.yaml``, ``~/.config/openstack/clouds.yaml``, ``/etc/openstack/clouds.yaml``, merged
   with a ``secure.yaml`` beside it); else ``OS_*`` variables. Password -> IAM token, or AK/SK
   (``ak``/``sk`` in clouds.yaml auth, ``OS_ACCESS_KEY``/``OS_SECRET_KEY``).

Endpoints come from the region templates below, overridable per service with
``ECS_WIZARD_ENDPOINT_<SERVICE>``; ``--endpoint URL`` / ``ECS_WIZARD_ENDPOINT`` sends every
service to one base URL (how the wizard reaches a standalone emulator).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from wizard.cloud.secrets import Secret, mask_id
from wizard.cloud.services import SERVICES
from wizard.errors import ConfigError

OTC_DEFAULT_REGION = "eu-de"
INSECURE_WARNING = (
    "TLS certificate verification is OFF (--insecure): the cloud's answers could have come from anyone "
    "between this machine and the cloud."
)

CloudName = Literal["hwc", "otc", "demo"]  # Huawei Cloud, Open Telekom Cloud, the built-in emulator
CredentialKind = Literal["aksk", "password"]  # AK/SK signing, or an IAM token from a password
CLOUD_TITLES = {"hwc": "Huawei Cloud", "otc": "Open Telekom Cloud"}


@dataclass
class Credentials:
    """Who calls the cloud: AK/SK (with an optional security token) or an IAM user's password."""

    kind: CredentialKind
    ak: str | None = None
    sk: Secret | None = None
    security_token: Secret | None = None
    user: str | None = None
    password: Secret | None = None
    domain: str | None = None

    def describe(self) -> str:
        if self.kind == "aksk":
            temporary = " + security token (temporary credentials)" if self.security_token else ""
            return f"AK/SK (AK {mask_id(self.ak)}, SK {'set' if self.sk else 'MISSING'}){temporary}"
        password = "set" if self.password else "MISSING"
        return f"password for user {self.user!r} in domain {self.domain!r} (password {password})"


@dataclass
class Settings:
    """Everything resolved from flags, environment and config files: cloud, region, project, endpoints, credentials."""

    cloud: CloudName
    region: str
    project_id: str | None
    project_name: str | None
    credentials: Credentials | None
    endpoints: dict[str, str]
    verify_tls: bool = True
    sources: dict[str, str] = field(default_factory=dict)
    demo_profile: str = ""  # the demo: which cloud the emulator is ("otc" or "hwc", wizard.sim.profiles)

    @property
    def is_demo(self) -> bool:
        return self.cloud == "demo"

    @property
    def title(self) -> str:
        """The cloud in words: "Huawei Cloud", "Open Telekom Cloud", or which one the demo emulates."""
        if self.is_demo:
            return f"demo (built-in emulator of {CLOUD_TITLES[self.demo_profile]})"
        return CLOUD_TITLES[self.cloud]

    def require_credentials(self) -> Credentials:
        """The credentials to build clients with, or a ConfigError that says how to give them."""
        if self.credentials is None:
            raise ConfigError(
                "No cloud credentials were found.",
                "Set HUAWEICLOUD_SDK_AK/SK/PROJECT_ID or OS_CLOUD (see 'ecs-wizard config show'), "
                "or try 'ecs-wizard demo'.",
            )
        return self.credentials

    def describe(self) -> list[tuple[str, str, str]]:
        """(setting, value, where it came from) rows, secrets masked, for ``config show``."""
        rows = [
            (
                "cloud",
                self.title,
                self.sources.get("cloud", ""),
            ),
            ("region", self.region, self.sources.get("region", "")),
            (
                "project",
                self.project_id or self.project_name or "(from the IAM token)",
                self.sources.get("project", ""),
            ),
            (
                "credentials",
                self.credentials.describe() if self.credentials else "NOT FOUND",
                self.sources.get("credentials", ""),
            ),
            ("TLS verification", "on" if self.verify_tls else "OFF", self.sources.get("verify_tls", "default")),
        ]
        for service in SERVICES:
            rows.append(
                (
                    f"endpoint {service}",
                    self.endpoints.get(service, ""),
                    self.sources.get(f"endpoint.{service}", "region template"),
                )
            )
        return rows


def otc_endpoint(service: str, region: str) -> str:
    if region == "eu-ch2":
        return f"https://{'iam-pub' if service == 'iam' else service}.{region}.sc.otc.t-systems.com"
    return f"https://{service}.{region}.otc.t-systems.com"


def hwc_endpoint(service: str, region: str) -> str:
    domain = "myhuaweicloud.eu" if region == "eu-west-101" else "myhuaweicloud.com"
    return f"https://{service}.{region}.{domain}"


def _demo_settings(profile: str) -> Settings:
    from wizard.sim import DEMO
    from wizard.sim.profiles import profile_named

    try:
        emulated = profile_named(profile)
    except ValueError as exc:
        raise ConfigError(str(exc), "Use --profile otc (Open Telekom Cloud) or --profile hwc (Huawei Cloud).") from None
    creds = Credentials("aksk", ak=DEMO.ak, sk=Secret(DEMO.sk))
    endpoints = {s: DEMO.endpoint for s in SERVICES}
    settings = Settings("demo", emulated.region, DEMO.project_id, None, creds, endpoints, demo_profile=emulated.name)
    settings.sources = {k: "--demo" for k in ("cloud", "region", "project", "credentials")}
    settings.sources.update({f"endpoint.{s}": "--demo (in-process emulator)" for s in SERVICES})
    return settings


def resolve(
    *,
    env: Mapping[str, str] | None = None,
    demo: bool = False,
    cloud: str | None = None,
    region: str | None = None,
    endpoint: str | None = None,
    insecure: bool = False,
    home: Path | None = None,
    cwd: Path | None = None,
    profile: str | None = None,
) -> Settings:
    """Resolve settings from flags and the environment (see the module docstring for the order).
    ``profile``: the cloud the demo's emulator is (``otc``, the default, or ``hwc``)."""
    env = os.environ if env is None else env
    sources: dict[str, str] = {}
    if demo:
        return _demo_settings(profile or "otc")
    if cloud not in (None, "hwc", "otc"):
        raise ConfigError(
            f"Unknown cloud {cloud!r}.", "Use --cloud hwc (Huawei Cloud) or --cloud otc (Open Telekom Cloud)."
        )
    settings: Settings | None = None
    if cloud in (None, "hwc") and (env.get("HUAWEICLOUD_SDK_AK") or env.get("HUAWEICLOUD_SDK_SK")):
        settings = _from_huawei_env(env, region, sources, bool(endpoint or env.get("ECS_WIZARD_ENDPOINT")))
    if settings is None and cloud in (None, "otc"):
        settings = _from_openstack(env, region, sources, home=home, cwd=cwd)
    if settings is None:
        settings = Settings(
            "hwc" if cloud == "hwc" else "otc", region or OTC_DEFAULT_REGION, None, None, None, {}, sources=sources
        )
        sources["cloud"] = "default (no settings found)"
    template = hwc_endpoint if settings.cloud == "hwc" else otc_endpoint
    for service in SERVICES:
        if service not in settings.endpoints:
            settings.endpoints[service] = template(service, settings.region)
        override = env.get(f"ECS_WIZARD_ENDPOINT_{service.upper()}")
        if override:
            settings.endpoints[service] = override.rstrip("/")
            sources[f"endpoint.{service}"] = f"ECS_WIZARD_ENDPOINT_{service.upper()}"
    one = endpoint or env.get("ECS_WIZARD_ENDPOINT")
    if one:
        _check_url(one)
        for service in SERVICES:
            settings.endpoints[service] = one.rstrip("/")
            sources[f"endpoint.{service}"] = "--endpoint" if endpoint else "ECS_WIZARD_ENDPOINT"
    _refuse_password_over_http(settings)
    if insecure or env.get("ECS_WIZARD_INSECURE") == "1":
        settings.verify_tls = False
        sources["verify_tls"] = "--insecure" if insecure else "ECS_WIZARD_INSECURE"
    settings.sources = sources
    return settings


def _refuse_password_over_http(settings: Settings) -> None:
    """A password goes to IAM in the body of a token request: never in clear text off this machine."""
    from urllib.parse import urlsplit

    url = settings.endpoints.get("iam", "")
    if settings.credentials is None or settings.credentials.kind != "password":
        return
    parts = urlsplit(url)
    if parts.scheme.lower() != "http" or is_loopback(parts.hostname or ""):
        return
    raise ConfigError(
        f"The IAM endpoint {url} is plain http: the password of {settings.credentials.user!r} would cross the "
        "network unencrypted, so it is not sent.",
        "Use an https:// auth_url (or --endpoint); plain http is accepted only on this machine "
        "(127.0.0.1, ::1, localhost), as for a local emulator.",
    )


def is_loopback(host: str) -> bool:
    """``host`` is this machine: localhost or a loopback address (127.0.0.0/8, ::1)."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _check_url(url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"Endpoint {url!r} is not an http(s) URL.", "Give a base URL such as http://127.0.0.1:8080.")


def _from_huawei_env(
    env: Mapping[str, str], region: str | None, sources: dict[str, str], one_endpoint: bool
) -> Settings:
    ak, sk = env.get("HUAWEICLOUD_SDK_AK"), env.get("HUAWEICLOUD_SDK_SK")
    if not ak or not sk:
        missing = "HUAWEICLOUD_SDK_SK" if ak else "HUAWEICLOUD_SDK_AK"
        raise ConfigError(
            f"{missing} is not set while its partner is.", "Set both HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK."
        )
    token = env.get("HUAWEICLOUD_SDK_SECURITY_TOKEN")
    creds = Credentials("aksk", ak=ak, sk=Secret(sk), security_token=Secret(token) if token else None)
    sources.update(cloud="HUAWEICLOUD_SDK_AK", credentials="HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK")
    project_id = env.get("HUAWEICLOUD_SDK_PROJECT_ID")
    if project_id:
        sources["project"] = "HUAWEICLOUD_SDK_PROJECT_ID"
    else:
        raise ConfigError(
            "HUAWEICLOUD_SDK_PROJECT_ID is not set.",
            "AK/SK requests need the project id: export HUAWEICLOUD_SDK_PROJECT_ID=<id>.",
        )
    chosen = region or env.get("HUAWEICLOUD_SDK_REGION")
    if region:
        sources["region"] = "--region"
    elif chosen:
        sources["region"] = "HUAWEICLOUD_SDK_REGION"
    else:
        # A standalone emulator prints no region; its endpoint makes the region moot.
        chosen = "eu-de" if one_endpoint else None
        sources["region"] = "default (one endpoint for every service)"
    if not chosen:
        raise ConfigError(
            "No region is set for Huawei Cloud.",
            "Pass --region (for example --region eu-west-101) or set HUAWEICLOUD_SDK_REGION.",
        )
    return Settings("hwc", chosen, project_id, None, creds, {}, sources=sources)


def _clouds_yaml_paths(env: Mapping[str, str], home: Path, cwd: Path) -> list[Path]:
    paths = []
    if env.get("OS_CLIENT_CONFIG_FILE"):
        paths.append(Path(env["OS_CLIENT_CONFIG_FILE"]))
    paths += [cwd / "clouds.yaml", home / ".config/openstack/clouds.yaml", Path("/etc/openstack/clouds.yaml")]
    return paths


def _load_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"Cannot read {path}: {exc.__class__.__name__}.", "Check that the file is valid YAML."
        ) from None
    return _mapping(data, f"{path}: the top level")


def _mapping(value: Any, what: str) -> dict[str, Any]:
    """``value`` if it is a mapping (an absent one is empty); else a ConfigError naming ``what``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(
            f"{what} must be a mapping (key: value lines), not {_yaml_kind(value)}.",
            "See the clouds.yaml layout: clouds: NAME: {auth: {auth_url, username, password, ...}, region_name}.",
        )
    return value


def _text(value: Any, what: str) -> str | None:
    """A setting that must be text: absent is None, a list, mapping, number or yes/no is an error."""
    if value is None or isinstance(value, str):
        return value
    raise ConfigError(
        f"{what} must be text, not {_yaml_kind(value)}.",
        "Write it as one string; quote values that YAML would read otherwise (numbers, yes/no, 0123).",
    )


def _yaml_kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"a yes/no value ({value})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    return "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else type(value).__name__


AUTH_TEXT_KEYS = (
    "auth_url",
    "username",
    "password",
    "user_domain_name",
    "domain_name",
    "user_domain_id",
    "project_name",
    "project_id",
    "ak",
    "sk",
    "access_key",
    "secret_key",
)


def _cloud_entry(path: Path, name: str) -> dict[str, Any] | None:
    """Cloud ``name`` of the clouds.yaml or secure.yaml at ``path``, its types checked; None if absent."""
    clouds = _mapping(_load_yaml(path).get("clouds"), f"{path}: clouds")
    if name not in clouds:
        return None
    where = f"{path}: clouds.{name}"
    entry = _mapping(clouds[name], where)
    auth = _mapping(entry.get("auth"), f"{where}.auth")
    for key in AUTH_TEXT_KEYS:
        _text(auth.get(key), f"{where}.auth.{key}")
    _text(entry.get("region_name"), f"{where}.region_name")
    return entry


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _from_openstack(
    env: Mapping[str, str], region: str | None, sources: dict[str, str], *, home: Path | None, cwd: Path | None
) -> Settings | None:
    home = home or Path.home()
    cwd = cwd or Path.cwd()
    name = env.get("OS_CLOUD")
    if name:
        for path in _clouds_yaml_paths(env, home, cwd):
            if not path.is_file():
                continue
            entry = _cloud_entry(path, name)
            if entry is None:
                continue
            secure = path.with_name("secure.yaml")
            if secure.is_file():
                entry = _merge(entry, _cloud_entry(secure, name) or {})
            where = f"{path} (cloud {name!r})"
            return _openstack_settings(entry.get("auth") or {}, entry.get("region_name"), region, sources, where)
        raise ConfigError(
            f"OS_CLOUD={name!r} but no clouds.yaml defines it.",
            "Searched: " + ", ".join(str(p) for p in _clouds_yaml_paths(env, home, cwd)),
        )
    if not any(k in env for k in ("OS_USERNAME", "OS_ACCESS_KEY", "OS_AK")):
        return None
    auth = {
        "auth_url": env.get("OS_AUTH_URL"),
        "username": env.get("OS_USERNAME"),
        "password": env.get("OS_PASSWORD"),
        "user_domain_name": env.get("OS_USER_DOMAIN_NAME") or env.get("OS_DOMAIN_NAME"),
        "project_name": env.get("OS_PROJECT_NAME") or env.get("OS_TENANT_NAME"),
        "project_id": env.get("OS_PROJECT_ID") or env.get("OS_TENANT_ID"),
        "ak": env.get("OS_ACCESS_KEY") or env.get("OS_AK"),
        "sk": env.get("OS_SECRET_KEY") or env.get("OS_SK"),
    }
    return _openstack_settings(auth, env.get("OS_REGION_NAME"), region, sources, "OS_* variables")


def _openstack_settings(
    auth: Mapping[str, Any], region_name: str | None, region: str | None, sources: dict[str, str], where: str
) -> Settings:
    chosen_region = region or region_name or OTC_DEFAULT_REGION
    sources["region"] = "--region" if region else (where if region_name else "default (eu-de)")
    sources["cloud"] = where
    ak = auth.get("ak") or auth.get("access_key")
    sk = auth.get("sk") or auth.get("secret_key")
    project_id = auth.get("project_id")
    project_name = auth.get("project_name") or chosen_region
    sources["project"] = where if (auth.get("project_id") or auth.get("project_name")) else "region name"
    endpoints: dict[str, str] = {}
    if auth.get("auth_url"):
        url = str(auth["auth_url"]).rstrip("/")
        endpoints["iam"] = url[: -len("/v3")] if url.endswith("/v3") else url
        sources["endpoint.iam"] = where + " auth_url"
    if ak or sk:
        if not (ak and sk):
            raise ConfigError(
                f"{where}: an AK is set without an SK, or the reverse.", "Set both the access key and the secret key."
            )
        if not project_id:
            raise ConfigError(f"{where}: AK/SK needs the project id.", "Add project_id (or OS_PROJECT_ID).")
        creds = Credentials("aksk", ak=str(ak), sk=Secret(str(sk)))
    else:
        missing = [k for k in ("username", "password") if not auth.get(k)]
        if missing:
            raise ConfigError(f"{where}: missing {', '.join(missing)}.", "Give a username and password (or ak and sk).")
        domain = auth.get("user_domain_name") or auth.get("domain_name") or auth.get("user_domain_id")
        if not domain:
            raise ConfigError(
                f"{where}: missing the user's domain.",
                "Set user_domain_name (OS_USER_DOMAIN_NAME): "
                "on Open Telekom Cloud it looks like OTC00000000001000000xxx.",
            )
        creds = Credentials(
            "password", user=str(auth["username"]), password=Secret(str(auth["password"])), domain=str(domain)
        )
    sources["credentials"] = where
    return Settings("otc", chosen_region, project_id, project_name, creds, endpoints, sources=sources)
