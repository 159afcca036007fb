"""The served emulator keeps HTTP/1.1 connections open between calls, as a real cloud's gateway does
(wizard.sim.server): one TCP connection for a session's calls, each answer framed by its
Content-Length, and closed only when an answer is lost, the client asks, or the server stops."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.sim.helpers import Api
from wizard.sim import BackgroundServer, Emulator

ROOT = Path(__file__).resolve().parents[2]


def local_port(response: requests.Response) -> int | None:
    """The client's port of the connection a streamed answer came on (before its body is read); None
    when the client already closed it (http.client does so at once for an answer with ``Connection: close``)."""
    sock = response.raw.connection.sock
    return None if sock is None else sock.getsockname()[1]


def test_a_sessions_calls_share_one_connection_whatever_each_answer_is():
    emu = Emulator(speed=0)
    served = BackgroundServer(emu)
    with served as url:
        api = Api(emu, base=url)
        assert len(api.ok("GET", "/v2/cloudimages")["images"]) > 1
        # a body the emulator never reads (no such route): the next request must still start where it should
        assert api.err("POST", "/v2/no-such-api", {"padding": "x" * 5000})[:2] == (404, "APIGW.0101")
        assert api.err("PUT", "/v2/cloudimages")[0] == 405
        head = api.s.head(url + "/_sim/state", timeout=5)  # HEAD: headers only, though the app gives a body
        assert head.status_code == 200 and head.content == b"" and int(head.headers["Content-Length"]) > 0
        unsigned = api.s.get(url + "/v2/cloudimages", timeout=5)
        assert unsigned.status_code == 401 and unsigned.json()
        assert api.ok("GET", "/v2/cloudimages")["images"]
        assert "close" not in unsigned.headers.get("Connection", "")
        assert served.server.connections == 1

        emu.add_fault("ims.list_images:first=1:lost")  # a lost answer closes that connection, and only that one
        with pytest.raises(requests.ConnectionError):
            api.get("/v2/cloudimages")
        assert api.ok("GET", "/v2/cloudimages")["images"]
        assert served.server.connections == 2

        closing = api.s.get(url + "/_sim/state", headers={"Connection": "close"}, timeout=5)
        assert closing.status_code == 200 and closing.headers["Connection"] == "close"
        assert api.s.get(url + "/_sim/state", timeout=5).status_code == 200
        assert served.server.connections == 3
    # a stopped server answers nobody, not even on the connection the session keeps
    with pytest.raises(requests.ConnectionError):
        api.get("/v2/cloudimages")


def test_an_http_1_0_client_gets_one_answer_per_connection():
    emu = Emulator(speed=0)
    with BackgroundServer(emu) as url, socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1]))) as sock:
        sock.sendall(b"GET /_sim/state HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):  # the server closes after the answer
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"\r\nConnection: close" in head  # RFC 9110 2.5: its own version
    assert b"\r\nContent-Length: %d\r\n" % len(body) in head and body.startswith(b"{")


def test_sim_serve_answers_two_calls_of_one_session_on_one_connection():
    """``ecs-wizard sim serve`` in its own process, as the benchmarks and the reliability suite run it:
    the client's end of the connection (its local port) is the same for both calls."""
    child = subprocess.Popen(
        [sys.executable, "-m", "wizard", "sim", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    try:
        assert child.stdout is not None
        url = next(line for line in child.stdout if line.startswith("export ECS_WIZARD_ENDPOINT_IMS="))
        url = url.partition("=")[2].partition(" ")[0]
        with requests.Session() as session:
            ports = []
            for _ in range(2):
                with session.get(url + "/v2/cloudimages", stream=True, timeout=10) as answer:
                    ports.append(local_port(answer))
                    assert answer.status_code == 401 and answer.json()["error_code"]  # unsigned: refused, answered
                    assert answer.headers.get("Connection") != "close"
        assert ports[0] is not None and ports[0] == ports[1]
        child.send_signal(signal.SIGINT)  # Ctrl-C still ends it cleanly with a kept connection open
        _, err = child.communicate(timeout=10)
        assert child.returncode == 0 and "Traceback" not in err and err.endswith("# emulator stopped\n")
    finally:
        child.kill()
        child.wait()
