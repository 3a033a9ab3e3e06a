"""Starting and stopping the servers the benchmarks run (shared by run.py and load.py)."""

import os
import signal
import subprocess
import sys
from pathlib import Path


def log(message):
    print(f"[{Path(sys.argv[0]).stem}] {message}", file=sys.stderr, flush=True)


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
