"""Item 7 of issue 12: leftovers of killed writes are cleaned, --insecure is said out loud, a
password never travels over plain HTTP beyond this machine, the emulator's open admin API is named
when it is served beyond loopback, and reports are private files."""

from __future__ import annotations

import os
import stat
import time

import pytest
import yaml

from tests.security.helpers import FAST, IDS, cli, served_as_huawei_cloud
from wizard.config import resolve
from wizard.errors import ConfigError
from wizard.sim import Emulator


def test_temporary_files_left_by_killed_writes_are_removed_on_the_next_start(capsys, tmp_path):
    state = tmp_path / "state"
    code, _, _ = cli(capsys, "run", IDS["image_old_csbs_server_exists"], "--demo", "--speed", FAST, state=state)
    assert code == 3
    old = time.time() - 3600
    leftovers = [state / "runs" / ".0123456789ab.k2j3h4.tmp", state / ".demo-world.x8y7.tmp"]
    for path in leftovers:
        path.write_text("half a journal")
        os.utime(path, (old, old))
    under_way = state / "runs" / ".0123456789ab.new1.tmp"  # another process's write, a moment ago
    under_way.write_text("{")
    code, out, err = cli(capsys, "runs", state=state)
    assert code == 0
    assert not any(p.exists() for p in leftovers) and under_way.exists()


@pytest.fixture
def served_cloud(monkeypatch):
    """A standalone emulator over loopback HTTP, configured as a Huawei Cloud account would be."""
    emu = Emulator(scenario="demo", speed=0)
    with served_as_huawei_cloud(emu, monkeypatch):
        yield emu


INSECURE = "TLS certificate verification is OFF (--insecure)"


def test_insecure_warns_once_on_stderr(capsys, tmp_path, served_cloud):
    code, out, err = cli(capsys, "diagnose", served_cloud.ids["image_cbr"], "--insecure", state=tmp_path)
    assert code == 4 and err.count(INSECURE) == 1  # 4: the verdict, not affected
    code, out, err = cli(capsys, "diagnose", served_cloud.ids["image_cbr"], state=tmp_path)
    assert code == 4 and INSECURE not in err


def test_insecure_is_written_into_the_report(capsys, tmp_path, served_cloud):
    served_cloud.clock.speed = float(FAST)
    code, out, err = cli(
        capsys, "run", served_cloud.ids["image_old_csbs_server_exists"], "--yes", "--insecure", state=tmp_path
    )
    assert code == 0 and err.count(INSECURE) == 1, err
    [journal] = (tmp_path / "runs").glob("*.json")
    code, report, _ = cli(capsys, "report", journal.stem, state=tmp_path)
    assert INSECURE in report
    code, report, _ = cli(capsys, "report", journal.stem, "--format", "json", state=tmp_path)
    assert '"verify_tls": false' in report


PASSWORD_AUTH = {"username": "alice", "password": "secret", "user_domain_name": "OTC00000000001000000001"}


@pytest.mark.parametrize("url", ["http://iam.eu-de.otc.t-systems.com/v3", "http://10.0.0.5:5000/v3", "HTTP://iam.x/v3"])
def test_a_password_is_never_sent_to_a_plain_http_iam_url(tmp_path, url):
    (tmp_path / "clouds.yaml").write_text(
        yaml.safe_dump({"clouds": {"otc": {"auth": {**PASSWORD_AUTH, "auth_url": url}}}})
    )
    env = {"OS_CLOUD": "otc", "OS_CLIENT_CONFIG_FILE": str(tmp_path / "clouds.yaml")}
    with pytest.raises(ConfigError, match="plain http") as info:
        resolve(env=env, home=tmp_path, cwd=tmp_path)
    assert "password" in info.value.message and "https://" in info.value.remedy.sentence


def test_a_password_over_plain_http_through_one_endpoint_is_refused_too(tmp_path):
    env = {**{f"OS_{k.upper()}": v for k, v in PASSWORD_AUTH.items()}, "OS_AUTH_URL": "https://iam.x/v3"}
    with pytest.raises(ConfigError, match="plain http"):
        resolve(env=env, endpoint="http://cloud.example:8080", home=tmp_path, cwd=tmp_path)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v3", "http://localhost:8080/v3", "http://[::1]:8080"])
def test_a_loopback_http_iam_url_is_allowed(tmp_path, url):
    env = {**{f"OS_{k.upper()}": v for k, v in PASSWORD_AUTH.items()}, "OS_AUTH_URL": url}
    assert resolve(env=env, home=tmp_path, cwd=tmp_path).endpoints["iam"].startswith("http://")


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_sim_serve_beyond_loopback_names_the_unauthenticated_admin_api(capsys, monkeypatch, host):
    def fake_serve(emulator, host, port, on_ready):  # noqa: ANN001, ANN202 - no socket is opened
        on_ready(f"http://{'[::]' if host == '::' else host}:8080")

    monkeypatch.setattr("wizard.commands.sim.serve", fake_serve)
    code, out, err = cli(capsys, "sim", "serve", "--host", host)
    assert code == 0
    assert "/_sim/" in err and "without authentication" in err and "demo keys" in err


def test_a_report_file_is_created_0600(capsys, tmp_path):
    state = tmp_path / "state"
    code, _, _ = cli(capsys, "run", IDS["image_old_csbs_server_exists"], "--demo", "--speed", FAST, state=state)
    [journal] = (state / "runs").glob("*.json")
    target = tmp_path / "report.md"
    old_umask = os.umask(0o022)
    try:
        code, out, err = cli(capsys, "report", journal.stem, "-o", str(target), state=state)
    finally:
        os.umask(old_umask)
    assert code == 0 and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text().startswith("# ecs-wizard run")
