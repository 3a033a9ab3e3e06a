"""One time zone in the logs: gunicorn's own lines, its access log and Django's, all in UTC.

gunicorn stamps its lines in the process's local time, and Django sets each worker's local time zone
to TIME_ZONE when it loads its settings: the master wrote the server's zone, the workers the clinic's,
and Django's lines had no time at all. gunicorn.conf.py names GunicornLogger; settings.LOGGING
formats Django's lines with UTCFormatter, in gunicorn's own layout.
"""

import logging
import time

from gunicorn.glogging import Logger

FORMAT = Logger.error_fmt  # "%(asctime)s [%(process)d] [%(levelname)s] %(message)s"
DATE_FORMAT = Logger.datefmt  # "[%Y-%m-%d %H:%M:%S %z]"; %z of a UTC time is +0000


class UTCFormatter(logging.Formatter):
    """gunicorn's error-log layout, stamped in UTC whatever the process's time zone."""

    converter = time.gmtime

    def __init__(self, fmt=FORMAT, datefmt=DATE_FORMAT, style="%", **kwargs):
        super().__init__(fmt, datefmt, style, **kwargs)


class GunicornLogger(Logger):
    """gunicorn's logger with its error log and the access log's `%(t)s` in UTC."""

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(UTCFormatter(self.error_fmt, self.datefmt))

    def now(self):
        return time.strftime("[%d/%b/%Y:%H:%M:%S +0000]", time.gmtime())
