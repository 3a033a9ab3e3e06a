"""Check that external addresses (sources, links in the text) still answer.

Concurrent, with at most PER_HOST requests to one host at a time, a timeout on every
request, redirects followed by hand (a redirect to another host or a loop is a problem),
never more than MAX_BYTES read from a body, and recent results kept in the default cache so
that running it often (cron, the staff home) does not hammer anyone.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from django.core.cache import cache

TIMEOUT_SECONDS = 8.0
PER_HOST = 2
WORKERS = 8
MAX_REDIRECTS = 5
MAX_BYTES = 64 * 1024
CACHE_SECONDS = {True: 24 * 3600, False: 3600}  # good results are kept longer than failures
USER_AGENT = "TRD-guide-link-check/1.0 (a clinic's patient guide checking its sources)"


@dataclass(frozen=True)
class Result:
    url: str
    ok: bool
    detail: str  # "200", or what went wrong, in words staff understand


def cached(url: str) -> Result | None:
    return cache.get(_key(url))


def _key(url: str) -> str:
    return "linkcheck:" + url


def check_urls(urls, *, timeout: float = TIMEOUT_SECONDS, use_cache: bool = True) -> dict[str, Result]:
    """Check each distinct URL once; return url -> Result. Never raises for a bad address."""
    results: dict[str, Result] = {}
    todo = []
    for url in dict.fromkeys(urls):
        hit = cached(url) if use_cache else None
        if hit is not None:
            results[url] = hit
        else:
            todo.append(url)
    limits: dict[str, threading.BoundedSemaphore] = defaultdict(lambda: threading.BoundedSemaphore(PER_HOST))
    lock = threading.Lock()
    pool = urllib3.PoolManager(
        retries=False, timeout=urllib3.Timeout(connect=timeout, read=timeout), headers={"User-Agent": USER_AGENT}
    )

    def run(url: str) -> Result:
        host = urlsplit(url).hostname or ""
        with lock:
            limit = limits[host]
        with limit:
            result = _check(pool, url)
        cache.set(_key(url), result, CACHE_SECONDS[result.ok])
        return result

    with ThreadPoolExecutor(max_workers=WORKERS) as executor:
        for result in executor.map(run, todo):
            results[result.url] = result
    pool.clear()
    return results


def timeout_of(pool: urllib3.PoolManager) -> float:
    return pool.connection_pool_kw["timeout"].read_timeout


def _check(pool: urllib3.PoolManager, url: str) -> Result:
    start_host = urlsplit(url).hostname
    seen = {url}
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            response = pool.request("GET", current, redirect=False, preload_content=False)
        except urllib3.exceptions.NewConnectionError as error:  # a subclass of TimeoutError in urllib3
            return Result(url, False, f"could not connect ({type(error).__name__})")
        except urllib3.exceptions.TimeoutError:
            return Result(url, False, f"no answer within {timeout_of(pool):g} seconds")
        except urllib3.exceptions.HTTPError as error:
            return Result(url, False, f"could not connect ({type(error).__name__})")
        try:
            if response.status in (301, 302, 303, 307, 308):
                target = urljoin(current, response.headers.get("Location", ""))
                if urlsplit(target).hostname != start_host:
                    return Result(url, False, f"redirects to another site: {target}")
                if target in seen:
                    return Result(url, False, "redirects in a loop")
                seen.add(target)
                current = target
                continue
            # Read a little to be sure it answers: never all of a huge body, never for too long.
            deadline = time.monotonic() + timeout_of(pool)
            read = 0
            for chunk in response.stream(8192, decode_content=False):
                read += len(chunk)
                if read >= MAX_BYTES or time.monotonic() > deadline:
                    break
            if response.status >= 400:
                return Result(url, False, f"answers {response.status}")
            return Result(url, True, str(response.status))
        except urllib3.exceptions.HTTPError as error:
            return Result(url, False, f"broke off while answering ({type(error).__name__})")
        finally:
            response.close()  # never reused: a body may be left unread
    return Result(url, False, f"more than {MAX_REDIRECTS} redirects")
