"""gunicorn settings; the GUNICORN_* variables below override them (README, "Configuration")."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "trd_site.wsgi:application"
# Every line in UTC: gunicorn's, the access log's and Django's (settings.LOGGING), see trd_site/logs.py.
logger_class = "trd_site.logs.GunicornLogger"
# gunicorn 25+ opens a control socket (in $XDG_RUNTIME_DIR or ~/.gunicorn) by default. The site never
# uses it (systemd reloads with HUP), and two servers on one machine would fight over the path: always off.
control_socket_disable = True
