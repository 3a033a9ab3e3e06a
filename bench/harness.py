"""What the benchmarks share: a production-like environment, building the site, servers (gunicorn,
the nginx front made of deploy/'s includes, the floor project), wrk, and markdown tables.

Servers listen on 127.0.0.1 only, each in its own session, and are context managers: leaving the
`with` stops them. Nothing is installed from here; a missing tool is named with its apt package.
"""

import atexit
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


class HarnessError(Exception):
    """Set-up failed (a tool, a build step or a server): the run cannot go on."""


def log(message):
    """Progress goes to stderr, so stdout carries only the report."""
    print(f"[{Path(sys.argv[0]).stem}] {message}", file=sys.stderr, flush=True)


def tool(name):
    """Path of a command, also looking in /usr/sbin (nginx lives there; it may not be on PATH)."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if not found:
        raise HarnessError(f"{name} is not installed; run: apt-get install -y {name}")
    return found


def free_port():
    """A port on 127.0.0.1 that the system just handed out."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def main(run):
    """Run `run()` as a script: its exit status; 2 when set-up failed, 130 on Ctrl-C or SIGTERM."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # so every `with` cleans up
    try:
        return run()
    except (HarnessError, OSError, subprocess.SubprocessError) as error:
        log(f"error: {error}")
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 130


@contextlib.contextmanager
def workdir(prefix, keep=False):
    """A temporary directory that nginx's workers (user nobody when run as root) can read."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    try:
        yield path
    finally:
        if keep:
            log(f"kept {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


def site_env(database_url, **extra):
    """Production settings (DEBUG off, a random secret key, no https redirect), nothing inherited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_", "TRD_", "DATABASE_URL"))}
    env.pop("REDIS_URL", None)
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
    return {**env, **extra}


def build_site(env):
    """What a deployment runs: collectstatic (to DJANGO_STATIC_ROOT), migrate, import_content."""
    for command in ("collectstatic --noinput", "migrate --noinput", "import_content"):
        done = subprocess.run(
            [sys.executable, "manage.py", *command.split()], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if done.returncode:
            raise HarnessError(f"manage.py {command} failed:\n{done.stdout}{done.stderr}")
        log(f"manage.py {command}: {(done.stdout.strip().splitlines() or [''])[-1]}")


def setup_django(env):
    """Configure Django in this process with `env` (as the servers run), for the ORM and the test client."""
    os.environ.update({"DJANGO_SETTINGS_MODULE": "trd_site.settings", **env})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def throwaway_django(prefix, **env):
    """Django in this process on DATABASE_URL, or on a SQLite file in a temporary directory; migrated."""
    if "DATABASE_URL" not in os.environ:
        tmp = tempfile.mkdtemp(prefix=prefix)
        atexit.register(shutil.rmtree, tmp, True)
        env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    setup_django(env)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


@contextlib.contextmanager
def server(name, command, url, log_path, env=None):
    """Start `command`, wait until `url` answers 200, and stop it (SIGTERM, then SIGKILL) on exit."""
    with open(log_path, "wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline, last = time.monotonic() + 60, "no answer"
        while process.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except (OSError, urllib.error.HTTPError) as error:
                last = str(error)
                time.sleep(0.2)
        else:
            log_tail = "\n".join(Path(log_path).read_text(errors="replace").splitlines()[-40:])
            raise HarnessError(f"{name} did not answer 200 at {url} ({last}):\n{log_tail}")
        log(f"{name} (pid {process.pid}) is up: {url}")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log(f"stopped {name}")


def gunicorn(env, port, workers, log_path, app=None, access_log=True, ready="/healthz"):
    """gunicorn -c gunicorn.conf.py, serving the site or `app` (the floor project) with the same settings."""
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"]
    command += ([] if access_log else ["--access-logfile", "/dev/null"]) + ([app] if app else [])
    env = {**env, "GUNICORN_BIND": f"{HOST}:{port}", "GUNICORN_WORKERS": str(workers)}
    return server(app or "gunicorn", command, f"http://{HOST}:{port}{ready}", log_path, env)


def floor(port, workers, html_path, log_path, ready):
    """The floor: a minimal Django project (bench/floor.py) answering with the saved article, same gunicorn."""
    env = site_env("", DJANGO_SETTINGS_MODULE="bench.floor", BENCH_ARTICLE_HTML=str(html_path))
    return gunicorn(env, port, workers, log_path, "bench.floor:application", access_log=False, ready=ready)


NGINX_CONF = """\
daemon off; worker_processes 1; pid {tmp}/nginx.pid; error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types; access_log off; sendfile on; tcp_nopush on;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    include {deploy}/microcache_http.conf;
    proxy_cache_path {tmp}/microcache levels=1:2 keys_zone=trd_micro:10m inactive=10m use_temp_path=off;
    upstream trd_gunicorn {{ server {host}:{upstream}; keepalive 16; }}
    server {{
        listen {host}:{port};
        location /static/ {{ alias {static_root}/; include {deploy}/static_files.conf; }}
        location / {{ include {deploy}/proxy_params.conf; include {deploy}/microcache.conf; proxy_pass http://trd_gunicorn; }}
    }}
}}
"""


def nginx_front(tmp, port, upstream, static_root):
    """deploy/nginx.conf's server without TLS (the same static, proxy and micro-cache includes), in tmp."""
    conf = Path(tmp) / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            tmp=tmp, host=HOST, port=port, upstream=upstream, static_root=static_root, deploy=ROOT / "deploy"
        )
    )
    command = [tool("nginx"), "-p", f"{tmp}/", "-c", str(conf)]
    return server("nginx", command, f"http://{HOST}:{port}/healthz", Path(tmp) / "nginx.out")


def to_ms(text):
    """'850.00us' / '1.23ms' / '1.02s' / '1.10m' -> milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def wrk(url, seconds, threads, connections, *headers):
    """One `wrk --latency` run: requests/s, p50 and p99 (ms), non-2xx/3xx responses and socket errors."""
    command = [tool("wrk"), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += [arg for header in headers for arg in ("-H", header)]
    out = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    found = [
        re.search(pattern, out, re.M) for pattern in (r"^Requests/sec: +(\S+)", r"^ +50% +(\S+)", r"^ +99% +(\S+)")
    ]
    if not all(found):
        raise HarnessError(f"wrk failed on {url}:\n{out}")
    rps, p50, p99 = (match.group(1) for match in found)
    errors = re.findall(r"(?:Non-2xx or 3xx responses:|connect|read|write|timeout) (\d+)", out)  # and socket errors
    return {"rps": float(rps), "p50": to_ms(p50), "p99": to_ms(p99), "errors": sum(map(int, errors))}


def problems(log_path):
    """The error lines in a gunicorn log (gunicorn's and Django's, worker time-outs)."""
    lines = Path(log_path).read_text(errors="replace").splitlines()
    return [line for line in lines if re.search(r"\[(ERROR|CRITICAL)\]|WORKER TIMEOUT", line)]


def report(text, name):
    """Print the report and write it to bench/results/<name> (git-ignored)."""
    print(text)
    path = ROOT / "bench" / "results" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    log(f"wrote {path.relative_to(ROOT)}")


def median(results, metric):
    return statistics.median(result[metric] for result in results)


def table(header, rows):
    """A markdown table; the first column left-aligned, the others right-aligned."""
    lines = ["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * (len(header) - 1)]
    return "\n".join(lines + ["| " + " | ".join(str(cell).replace("|", "/") for cell in row) + " |" for row in rows])
