"""The site as deployed: gunicorn behind a real nginx using deploy/proxy_params.conf, configured only
through environment variables (settings.py's own proxy code)."""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSWORD = "correct horse battery staple"
ATTACKER, VICTIM = "127.0.0.2", "127.0.0.3"  # two clients: any 127/8 address is this machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port}")


@pytest.fixture(scope="module")
def site_behind_nginx(tmp_path_factory):
    if not Path(NGINX).exists():
        if os.environ.get("CI"):
            pytest.fail("CI=true and nginx is not installed: apt-get install -y nginx")
        pytest.skip("nginx is not installed (apt-get install -y nginx)")
    tmp = tmp_path_factory.mktemp("nginx")
    app_port, front_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "TRD_"))}
    env.update(
        DJANGO_SECRET_KEY="nginx-test-secret",
        DJANGO_PROXY_COUNT="1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        TRD_SITE_URL=f"http://127.0.0.1:{front_port}",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp / "static"),
        DJANGO_AXES_FAILURE_LIMIT="5",
        GUNICORN_BIND=f"127.0.0.1:{app_port}",
        GUNICORN_WORKERS="2",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)
    subprocess.run(
        [
            *manage,
            "shell",
            "-c",
            "from django.contrib.auth.models import Group, User; "
            f"u = User.objects.create_user('pat', password={PASSWORD!r}, is_staff=True); "
            "u.groups.add(Group.objects.get(name='Publisher'))",
        ],
        cwd=REPO,
        env=env,
        check=True,
    )
    (tmp / "nginx.conf").write_text(f"""
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{front_port};
        location / {{
            include {REPO}/deploy/proxy_params.conf;
            proxy_pass http://127.0.0.1:{app_port};
        }}
    }}
}}
""")
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(app_port, gunicorn)
        wait_for(front_port, nginx)
        yield front_port
    finally:
        nginx.terminate()
        gunicorn.terminate()
        nginx.wait(10)
        gunicorn.wait(10)


def sign_in(port: int, source: str, password: str) -> int:
    """Sign in as pat from the address `source`, as a browser would; the response's status."""

    def request(method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read().decode()
        connection.close()
        return response, data

    response, page = request("GET", "/admin/login/")
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = f"csrfmiddlewaretoken={token}&username=pat&password={password.replace(' ', '+')}&next=/admin/"
    response, _ = request(
        "POST",
        "/admin/login/",
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
            "Origin": f"http://127.0.0.1:{port}",  # as a browser sends it: CSRF compares it with the Host nginx passes on
        },
    )
    return response.status


@pytest.mark.skipif(sys.platform != "linux", reason="uses several loopback addresses")
def test_an_attacker_cannot_lock_a_colleague_out_through_nginx(site_behind_nginx):
    statuses = [sign_in(site_behind_nginx, ATTACKER, "wrong password") for _ in range(6)]
    assert statuses[-1] == 429  # the attacker's address is locked for this username...
    assert sign_in(site_behind_nginx, VICTIM, PASSWORD) == 302  # ...and pat, elsewhere, signs in
