"""Request rate limits per API token (or per signed-in user, or per address when anonymous).

Rates are read from settings at call time (`FACTCHECK_API_RATES`), so tests and deployments
can change them without reloading DRF's settings.
"""

from __future__ import annotations

from django.conf import settings
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
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return f"throttle_{self.scope}_{ident}"
