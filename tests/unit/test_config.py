"""Config resolution order, endpoints, and errors for incomplete settings."""

from pathlib import Path

import pytest

from wizard.config import resolve
from wizard.errors import ConfigError

HW = {
    "HUAWEICLOUD_SDK_AK": "AKHW0001",
    "HUAWEICLOUD_SDK_SK": "hw-secret-key-value",
    "HUAWEICLOUD_SDK_PROJECT_ID": "p" * 32,
}


def test_huawei_env_with_region(tmp_path):
    s = resolve(env={**HW, "HUAWEICLOUD_SDK_REGION": "eu-west-101"}, home=tmp_path, cwd=tmp_path)
    assert s.cloud == "hwc" and s.region == "eu-west-101" and s.project_id == "p" * 32
    assert s.endpoints["ims"] == "https://ims.eu-west-101.myhuaweicloud.eu"
    assert s.credentials.kind == "aksk" and s.credentials.sk.reveal() == "hw-secret-key-value"
    assert s.sources["region"] == "HUAWEICLOUD_SDK_REGION"


def test_region_flag_beats_environment(tmp_path):
    s = resolve(
        env={**HW, "HUAWEICLOUD_SDK_REGION": "eu-west-101"}, region="ap-southeast-1", home=tmp_path, cwd=tmp_path
    )
    assert s.region == "ap-southeast-1" and s.sources["region"] == "--region"
    assert s.endpoints["cbr"] == "https://cbr.ap-southeast-1.myhuaweicloud.com"


def test_huawei_without_region_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="region"):
        resolve(env=HW, home=tmp_path, cwd=tmp_path)


def test_half_set_aksk_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="HUAWEICLOUD_SDK_SK"):
        resolve(env={"HUAWEICLOUD_SDK_AK": "x"}, home=tmp_path, cwd=tmp_path)


def write_clouds(path: Path, extra_secure: bool = False):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "clouds:\n  otc:\n    region_name: eu-nl\n    auth:\n      auth_url: https://iam.eu-nl.otc.t-systems.com/v3\n"
        "      username: alice\n      user_domain_name: OTC00000000001000000001\n      project_name: eu-nl\n"
        + ("" if extra_secure else "      password: pw-in-clouds\n")
    )
    if extra_secure:
        path.with_name("secure.yaml").write_text("clouds:\n  otc:\n    auth:\n      password: pw-in-secure\n")


def test_os_cloud_reads_clouds_yaml_in_home(tmp_path):
    write_clouds(tmp_path / ".config/openstack/clouds.yaml")
    s = resolve(env={"OS_CLOUD": "otc"}, home=tmp_path, cwd=tmp_path / "nowhere")
    assert s.cloud == "otc" and s.region == "eu-nl"
    assert s.credentials.kind == "password" and s.credentials.password.reveal() == "pw-in-clouds"
    assert s.endpoints["iam"] == "https://iam.eu-nl.otc.t-systems.com"
    assert s.endpoints["csbs"] == "https://csbs.eu-nl.otc.t-systems.com"


def test_cwd_clouds_yaml_wins_and_secure_yaml_merges(tmp_path):
    write_clouds(tmp_path / "home/.config/openstack/clouds.yaml")
    write_clouds(tmp_path / "work/clouds.yaml", extra_secure=True)
    s = resolve(env={"OS_CLOUD": "otc"}, home=tmp_path / "home", cwd=tmp_path / "work")
    assert s.credentials.password.reveal() == "pw-in-secure"
    assert str(tmp_path / "work/clouds.yaml") in s.sources["credentials"]


def test_unknown_os_cloud_names_the_paths_searched(tmp_path):
    with pytest.raises(ConfigError, match="no clouds.yaml defines it"):
        resolve(env={"OS_CLOUD": "nope"}, home=tmp_path, cwd=tmp_path)


def test_huawei_variables_beat_openstack_unless_cloud_flag(tmp_path):
    env = {
        **HW,
        "HUAWEICLOUD_SDK_REGION": "eu-west-101",
        "OS_USERNAME": "u",
        "OS_PASSWORD": "p",
        "OS_USER_DOMAIN_NAME": "d",
    }
    assert resolve(env=env, home=tmp_path, cwd=tmp_path).cloud == "hwc"
    assert resolve(env=env, cloud="otc", home=tmp_path, cwd=tmp_path).cloud == "otc"


def test_os_variables_password_and_aksk(tmp_path):
    s = resolve(
        env={"OS_USERNAME": "u", "OS_PASSWORD": "p", "OS_USER_DOMAIN_NAME": "d", "OS_PROJECT_NAME": "eu-de_x"},
        home=tmp_path,
        cwd=tmp_path,
    )
    assert s.credentials.kind == "password" and s.project_name == "eu-de_x" and s.region == "eu-de"
    s = resolve(env={"OS_ACCESS_KEY": "AK", "OS_SECRET_KEY": "SK", "OS_PROJECT_ID": "pid"}, home=tmp_path, cwd=tmp_path)
    assert s.credentials.kind == "aksk" and s.project_id == "pid"
    with pytest.raises(ConfigError, match="domain"):
        resolve(env={"OS_USERNAME": "u", "OS_PASSWORD": "p"}, home=tmp_path, cwd=tmp_path)


def test_one_endpoint_for_every_service_and_per_service_override(tmp_path):
    env = {**HW, "ECS_WIZARD_ENDPOINT_CBR": "https://cbr.internal/", "HUAWEICLOUD_SDK_REGION": "eu-west-101"}
    s = resolve(env=env, home=tmp_path, cwd=tmp_path)
    assert s.endpoints["cbr"] == "https://cbr.internal" and s.endpoints["ims"].startswith("https://ims.")
    s = resolve(env={**HW, "ECS_WIZARD_ENDPOINT": "http://127.0.0.1:9999"}, home=tmp_path, cwd=tmp_path)
    assert set(s.endpoints.values()) == {"http://127.0.0.1:9999"}
    assert s.sources["endpoint.ims"] == "ECS_WIZARD_ENDPOINT"
    s = resolve(
        env={**HW, "ECS_WIZARD_ENDPOINT": "http://127.0.0.1:9999"},
        endpoint="http://127.0.0.1:1",
        home=tmp_path,
        cwd=tmp_path,
    )
    assert s.endpoints["ecs"] == "http://127.0.0.1:1" and s.sources["endpoint.ecs"] == "--endpoint"
    with pytest.raises(ConfigError, match="not an http"):
        resolve(env=HW, endpoint="127.0.0.1:1", home=tmp_path, cwd=tmp_path)


def test_tls_verification_is_on_by_default(tmp_path):
    assert resolve(env={**HW, "HUAWEICLOUD_SDK_REGION": "r"}, home=tmp_path, cwd=tmp_path).verify_tls is True
    assert (
        resolve(env={**HW, "HUAWEICLOUD_SDK_REGION": "r"}, insecure=True, home=tmp_path, cwd=tmp_path).verify_tls
        is False
    )


def test_nothing_configured_defaults_to_otc_without_credentials(tmp_path):
    s = resolve(env={}, home=tmp_path, cwd=tmp_path)
    assert s.credentials is None and s.cloud == "otc"
