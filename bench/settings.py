"""The site's own settings plus one extra URL (/bench/bare/) for the benchmark reference view."""

from trd_site.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls"
