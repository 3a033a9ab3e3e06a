"""What the benchmarks share: a clean production-like environment, building the site, starting
and stopping servers (gunicorn, the nginx front from deploy/, the floor project), wrk and tables.

Every server listens on 127.0.0.1 only and runs in its own session; callers stop what they start.
"""

import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
# Inherited variables that would change what is measured; the harness sets its own.
SCRUBBED_PREFIXES = ("DJANGO_", "GUNICORN_", "TRD_")
SCRUBBED_NAMES = ("DATABASE_URL", "REDIS_URL")
APT_PACKAGES = {"wrk": "wrk", "nginx": "nginx"}


class HarnessError(Exception):
    """Set-up failed (a tool, a build step or a server): the run cannot go on."""


def log(message):
    """Progress goes to stderr, so stdout carries only the report."""
    print(f"[{Path(sys.argv[0]).stem}] {message}", file=sys.stderr, flush=True)


def find_tool(name):
    """Path of a command, also looking in /usr/sbin (nginx lives there; it may not be on PATH)."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")


def require_tools(*names):
    """Fail with the apt command to run when a tool is missing (the benchmarks install nothing)."""
    missing = [name for name in names if not find_tool(name)]
    if missing:
        packages = " ".join(APT_PACKAGES[name] for name in missing)
        raise HarnessError(f"not installed: {', '.join(missing)}; run: apt-get install -y {packages}")


def free_ports(count, ports):
    """`count` ports from `ports` that nothing listens on at 127.0.0.1 right now."""
    found = []
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise HarnessError(f"fewer than {count} free ports in {ports.start}-{ports.stop - 1} on {HOST}")


# --------------------------------------------------------------------------- the site


def site_env(database_url, **extra):
    """Environment for the site's processes: production settings (DEBUG off), self-contained."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(SCRUBBED_PREFIXES) and key not in SCRUBBED_NAMES
    }
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="trd_site.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_HSTS_SECONDS="0",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def manage(site, env, *args, extra_env=None, timeout=300):
    """Run manage.py in `site`; its stdout, or HarnessError with its output."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=site,
        env={**env, **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise HarnessError(f"manage.py {args[0]} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def build_site(site, env):
    """Static files, schema and content, as a deployment does them.

    collectstatic runs before migrate: with DEBUG off, trd_site/urls.py calls static() at import time,
    which needs the staticfiles manifest, and migrate's system checks import the URLconf.
    """
    for args in (["collectstatic", "--noinput"], ["migrate", "--noinput"], ["import_content"]):
        output = manage(site, env, *args)
        log(f"manage.py {' '.join(args)}: {(output.strip().splitlines() or [''])[-1]}")


# --------------------------------------------------------------------------- processes


def start_process(command, log_path, env=None, cwd=None):
    """Start a process in its own session (Ctrl-C reaches only us; we stop it), output to log_path."""
    with open(log_path, "wb") as output:
        return subprocess.Popen(
            command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_process(process, name):
    """SIGTERM a process we started, then SIGKILL its process group if it has not exited after 15 s."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        log(f"{name} did not stop on SIGTERM; killing its process group {process.pid}")
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)
    log(f"stopped {name} (pid {process.pid})")


def tail(path, lines=40):
    """The last lines of a log file, for error messages."""
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_until_up(process, name, url, log_path, timeout=60.0):
    """Poll url until it answers 200; on exit or time-out stop the process and raise HarnessError."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    log(f"{name} (pid {process.pid}) is up: {url}")
                    return process
        except urllib.error.HTTPError as error:
            last = f"status {error.code}"
        except OSError as error:
            last = str(error)
        time.sleep(0.2)
    exited = process.poll()
    stop_process(process, name)
    why = (
        f"exited with status {exited}" if exited is not None else f"did not answer 200 within {timeout:.0f} s ({last})"
    )
    raise HarnessError(f"{name} {why} at {url}:\n{tail(log_path)}")


def start_gunicorn(site, env, port, workers, log_path, app=None, access_log=True, ready_path="/healthz"):
    """gunicorn -c gunicorn.conf.py (the site's, or `app` such as the floor project, same settings)."""
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"]  # its control socket is off unless asked for
    if not access_log:
        command += ["--access-logfile", "/dev/null"]
    if app:
        command.append(app)
    env = {**env, "GUNICORN_BIND": f"{HOST}:{port}", "GUNICORN_WORKERS": str(workers)}
    process = start_process(command, log_path, env=env, cwd=site)
    return wait_until_up(process, app or "gunicorn", f"http://{HOST}:{port}{ready_path}", log_path)


def start_floor(port, workers, html_path, log_path, ready_path):
    """The floor: a minimal Django project (bench/floor/) returning the pre-rendered article, same gunicorn."""
    env = site_env("", DJANGO_SETTINGS_MODULE="bench.floor.settings", BENCH_ARTICLE_HTML=str(html_path))
    return start_gunicorn(
        ROOT, env, port, workers, log_path, app="bench.floor.wsgi:application", access_log=False, ready_path=ready_path
    )


NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {deploy}/microcache_http.conf;
    proxy_cache_path {tmp}/microcache levels=1:2 keys_zone=trd_micro:10m inactive=10m use_temp_path=off;
    upstream trd_gunicorn {{ server {host}:{upstream}; keepalive 16; }}
    server {{
        listen {host}:{port};
        location /static/ {{ alias {static_root}/; include {deploy}/static_files.conf; }}
        location / {{
            include {deploy}/proxy_params.conf;
            include {deploy}/microcache.conf;
            proxy_pass http://trd_gunicorn;
        }}
    }}
}}
"""


def nginx_front_conf(tmp, port, upstream_port, static_root):
    """deploy/nginx.conf's server without TLS: the same static, proxy and micro-cache includes."""
    return NGINX_CONF.format(
        tmp=tmp, host=HOST, port=port, upstream=upstream_port, static_root=static_root, deploy=DEPLOY
    )


def start_nginx_front(tmp, port, upstream_port, static_root):
    """Our own nginx (not the system service) in front of gunicorn on upstream_port; config and logs in tmp."""
    conf = Path(tmp) / "nginx.conf"
    conf.write_text(nginx_front_conf(tmp, port, upstream_port, static_root))
    log_path = Path(tmp) / "nginx.out"
    process = start_process([find_tool("nginx"), "-p", f"{tmp}/", "-c", str(conf)], log_path)
    return wait_until_up(process, "nginx", f"http://{HOST}:{port}/healthz", log_path)


# --------------------------------------------------------------------------- wrk and tables


LATENCY_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def to_ms(text):
    """'1.23ms' / '850.00us' / '1.02s' -> milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unrecognised wrk latency {text!r}")
    return float(match.group(1)) * LATENCY_UNITS[match.group(2)]


def run_wrk(url, seconds, threads, connections, headers=()):
    """One `wrk --latency` run: requests/s, p50 and p99 (ms), non-2xx/3xx and socket errors."""
    command = [find_tool("wrk"), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    done = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60)
    output = done.stdout
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    if done.returncode != 0 or not (rps and p50 and p99):
        raise HarnessError(f"wrk failed on {url} (exit {done.returncode}):\n{output}{done.stderr}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": float(rps.group(1)),
        "p50": to_ms(p50.group(1)),
        "p99": to_ms(p99.group(1)),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(n) for n in sockets.groups()) if sockets else 0,
    }


def median(results, metric):
    return statistics.median(result[metric] for result in results)


def markdown_table(header, rows):
    """A markdown table; the first column left-aligned, the others right-aligned."""
    lines = ["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * (len(header) - 1)]
    lines += ["| " + " | ".join(str(cell).replace("|", "/") for cell in row) + " |" for row in rows]
    return "\n".join(lines)
