"""What gunicorn prints, run with gunicorn.conf.py: one time zone (UTC) for its master, its workers,
its access log and Django's lines (trd_site/logs.py); no control socket."""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Error-log and Django lines: [2026-11-29 04:26:22 +0000]; access lines: [29/Nov/2026:04:26:25 +0000].
STAMPS = (
    (re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ([+-]\d{4})\]", re.M), "%Y-%m-%d %H:%M:%S"),
    (re.compile(r' - - \[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d) ([+-]\d{4})\] "', re.M), "%d/%b/%Y:%H:%M:%S"),
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request_with_host(port: int, host: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/", headers={"Host": host})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.fixture(scope="module")
def gunicorn_run(tmp_path_factory):
    """(everything gunicorn printed, its runtime directory) for one start, one refused request, one stop.

    The server's zone (TZ, the master's local time) and the clinic's (DJANGO_TIME_ZONE, which Django
    makes each worker's local time) are both far from UTC and from each other.
    """
    tmp = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_", "TRD_", "DATABASE_URL"))}
    env.update(
        TZ="America/New_York",
        DJANGO_TIME_ZONE="Asia/Kolkata",
        DJANGO_SECRET_KEY="logs-test-secret",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp / "static"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        XDG_RUNTIME_DIR=str(tmp),  # where gunicorn would put a control socket
    )
    output = tmp / "gunicorn.log"
    with open(output, "wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while "Booting worker" not in output.read_text():  # the master listens before it starts workers
            assert process.poll() is None and time.monotonic() < deadline, output.read_text()
            time.sleep(0.1)
        assert request_with_host(port, "unknown.example") == 400  # Django logs an error, gunicorn the request
    finally:
        process.terminate()
        process.wait(15)
    return output.read_text(), tmp


def test_gunicorn_and_django_stamp_every_line_in_utc(gunicorn_run):
    text, _ = gunicorn_run
    now = datetime.now(UTC).replace(tzinfo=None)
    stamps = [
        (datetime.strptime(when, layout), offset)
        for pattern, layout in STAMPS
        for when, offset in pattern.findall(text)
    ]
    assert "Starting gunicorn" in text and "Worker exiting" in text  # the master and the worker spoke
    assert re.search(r"^\[[^]]+\] \[\d+\] \[ERROR\] Invalid HTTP_HOST header", text, re.M)  # Django, stamped
    assert re.search(r'\] "GET / HTTP/1.1" 400 ', text)  # the access log
    assert {offset for _, offset in stamps} == {"+0000"}
    assert all(abs(when - now) < timedelta(minutes=2) for when, _ in stamps), stamps


def test_gunicorn_opens_no_control_socket(gunicorn_run):
    _, runtime_dir = gunicorn_run
    assert not (runtime_dir / "gunicorn.ctl").exists()
