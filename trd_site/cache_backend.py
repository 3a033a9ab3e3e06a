"""A Redis cache that degrades instead of failing.

Redis holds only things the site can do without (rendered pages, link-check results, the
report counter), so when it is down or slow a request must go on as if the cache were
empty: a read is a miss, a write is dropped. After an error the cache is skipped for
RETRY_SECONDS (so an unreachable server costs one short timeout per process, not one per
call), and one warning is logged each time that happens.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
RETRY_SECONDS = 5.0


def _degrades(missing):
    """Run the Redis call unless the cache is resting after an error; on error return `missing`."""

    def wrap(method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            if time.monotonic() < self._resting_until:
                return missing(*args, **kwargs) if callable(missing) else missing
            try:
                return method(self, *args, **kwargs)
            except RedisError as error:
                self._resting_until = time.monotonic() + RETRY_SECONDS
                logger.warning("Cache unavailable, serving without it for %ss: %s", RETRY_SECONDS, error)
                return missing(*args, **kwargs) if callable(missing) else missing

        return call

    return wrap


def _not_found(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found (cache unavailable).")


def _default(key, default=None, version=None):
    return default


class DegradingRedisCache(RedisCache):
    def __init__(self, server, params):
        params = {
            **params,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, **params.get("OPTIONS", {})},
        }
        super().__init__(server, params)
        self._resting_until = 0.0

    get = _degrades(_default)(RedisCache.get)
    get_many = _degrades({})(RedisCache.get_many)
    has_key = _degrades(False)(RedisCache.has_key)
    add = _degrades(False)(RedisCache.add)
    set = _degrades(None)(RedisCache.set)
    set_many = _degrades([])(RedisCache.set_many)
    touch = _degrades(False)(RedisCache.touch)
    delete = _degrades(False)(RedisCache.delete)
    delete_many = _degrades(None)(RedisCache.delete_many)
    incr = _degrades(_not_found)(RedisCache.incr)
    clear = _degrades(False)(RedisCache.clear)
