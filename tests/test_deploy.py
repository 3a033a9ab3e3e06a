"""deploy/ as deployed: nginx accepts deploy/nginx.conf, and its micro-cache (the same include
files, in the nginx front bench/ runs) in front of a real gunicorn keeps staff out and shows a
published change within 2 seconds."""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from bench import harness

REPO = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ARTICLE = "/guide/what-is-treatment-resistant-depression/"


def require_nginx():
    if not Path(NGINX).exists():
        if os.environ.get("CI"):
            pytest.fail("CI=true and nginx is not installed: apt-get install -y nginx")
        pytest.skip("nginx is not installed (apt-get install -y nginx)")


def free_port() -> int:
    """A port the OS just handed out (other test workers ask too, so no fixed range)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, headers=None) -> tuple[int, dict, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "identity", **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def test_nginx_accepts_the_deployed_site_config(tmp_path):
    require_nginx()
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=guide.example.org",
            "-keyout",
            tmp_path / "key.pem",
            "-out",
            tmp_path / "cert.pem",
        ],
        check=True,
        capture_output=True,
    )
    site = (REPO / "deploy" / "nginx.conf").read_text()
    for deployed, here in (
        ("/etc/nginx/trd/", f"{REPO}/deploy/"),
        ("/var/cache/nginx/trd", str(tmp_path / "cache")),
        ("/etc/letsencrypt/live/guide.example.org/fullchain.pem", str(tmp_path / "cert.pem")),
        ("/etc/letsencrypt/live/guide.example.org/privkey.pem", str(tmp_path / "key.pem")),
    ):
        assert deployed in site
        site = site.replace(deployed, here)
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "main.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ include /etc/nginx/mime.types; include {tmp_path}/site.conf; }}\n"
    )
    done = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "main.conf")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def front():
    """(nginx port, environment): gunicorn behind the nginx front bench/ measures, on a built site."""
    require_nginx()
    # Not under pytest's 0700 base directory: nginx workers (user nobody when run as root) use it.
    tmp = Path(tempfile.mkdtemp(prefix="trd-deploy-test-"))
    tmp.chmod(0o755)
    app_port, front_port = free_port(), free_port()
    env = harness.site_env(
        f"sqlite:///{tmp / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp / "static"),
        DJANGO_PROXY_COUNT="1",
        TRD_SITE_URL=f"http://127.0.0.1:{front_port}",
    )
    try:
        harness.build_site(env)
        with (
            harness.gunicorn(env, app_port, 2, tmp / "gunicorn.log", access_log=False),
            harness.nginx_front(tmp, front_port, app_port, tmp / "static"),
        ):
            yield front_port, env
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_public_page_is_served_from_the_micro_cache(front):
    port, _ = front
    get(port, ARTICLE)
    status, headers, _ = get(port, ARTICLE)
    assert status == 200
    assert headers["X-Cache-Status"] == "HIT"


def test_a_request_with_a_session_cookie_is_never_answered_from_the_micro_cache(front):
    port, _ = front
    get(port, ARTICLE)
    statuses = [get(port, ARTICLE, {"Cookie": "sessionid=abc"})[1]["X-Cache-Status"] for _ in range(3)]
    assert statuses == ["BYPASS"] * 3


def test_a_response_that_sets_a_cookie_is_not_kept(front):
    port, _ = front
    statuses = [get(port, "/admin/login/")[1].get("X-Cache-Status") for _ in range(3)]
    assert "HIT" not in statuses


def test_a_static_file_has_one_cache_control_header(front):
    port, _ = front
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', get(port, ARTICLE)[2]).group(1)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", stylesheet)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 200
    assert response.headers.get_all("Cache-Control") == ["public, max-age=31536000, immutable"]


def test_a_saved_change_shows_through_nginx_within_2_seconds(front):
    port, env = front
    assert get(port, ARTICLE)[0] == 200
    assert get(port, ARTICLE)[1]["X-Cache-Status"] == "HIT"
    title = f"Changed title {time.time_ns()}"
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "import time; from articles.models import Article; "
            f"a = Article.objects.get(slug={ARTICLE.split('/')[2]!r}); a.title = {title!r}; a.save(); "
            "print('SAVED', time.time())",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    saved_at = float(re.search(r"SAVED ([\d.]+)", done.stdout).group(1))
    while title not in get(port, ARTICLE)[2] and time.time() - saved_at < 5:
        time.sleep(0.05)
    elapsed = time.time() - saved_at
    assert elapsed < 2.0, f"the new title showed after {elapsed:.2f} s"


def test_an_expired_page_is_revalidated_with_the_apps_validators(front):
    port, _ = front
    get(port, "/glossary/")
    time.sleep(2.05)  # nginx counts "1s" in whole seconds: a page stored at 12:00:00.9 expires at 12:00:02
    assert get(port, "/glossary/")[1]["X-Cache-Status"] == "REVALIDATED"  # the app answered 304


def encoding_through(port: int, accept: str) -> tuple[str, str]:
    """(Content-Encoding, X-Cache-Status) of the article for a reader offering `accept`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", ARTICLE, headers={"Accept-Encoding": accept})
        response = connection.getresponse()
        response.read()
        return response.getheader("Content-Encoding", ""), response.getheader("X-Cache-Status", "")
    finally:
        connection.close()


def test_each_reader_gets_an_encoding_they_offered_from_the_micro_cache(front):
    port, _ = front
    for accept, expected in (("gzip, deflate, br", "br"), ("gzip", "gzip"), ("identity", "")):
        encoding_through(port, accept)  # fills that entry
        assert encoding_through(port, accept) == (expected, "HIT"), accept
