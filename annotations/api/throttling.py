"""Request rate limits per API token (or per signed-in user, or per address when anonymous).

Rates are read from settings at call time (`FACTCHECK_API_RATES`), so tests and deployments
can change them without reloading DRF's settings.

The count lives in Django's cache, which is shared by every process of a machine (the file
cache) or of every machine (Redis with `REDIS_URL`). DRF's own throttle keeps a list of
timestamps that each request reads and writes back, so parallel requests overwrite each other's
entries and more get through than the rate allows. Here a window opens with a caller's first
request and lasts the rate's period; each request adds one to the window's counter with the
cache's atomic `incr` (Redis INCR; `cache.FileCache` under a file lock) and is refused once the
counter passes the limit. Two cache entries per caller, both expiring with the window.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from ..models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self):
        rates = settings.FACTCHECK_API_RATES
        return rates["anon"] if self.scope == "anon" else rates["user"]

    def allow_request(self, request, view):
        self.scope = "api" if request.user and request.user.is_authenticated else "anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        now = time.time()
        # The first request of a window creates both entries, expiring when the window ends;
        # incr() keeps the expiry (Redis INCR; FileCache.incr), so the count restarts after it.
        cache.add(f"{key}:start", now, self.duration)
        cache.add(f"{key}:count", 0, self.duration)
        try:
            count = cache.incr(f"{key}:count")
        except ValueError:  # the window ended between add() and incr()
            cache.set(f"{key}:count", 1, self.duration)
            count = 1
        start = cache.get(f"{key}:start", now)
        self._wait = max(0.0, start + self.duration - now)
        return count <= self.num_requests

    def wait(self):
        return self._wait

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return f"throttle_{self.scope}_{ident}"
