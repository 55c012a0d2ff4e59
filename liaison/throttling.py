"""The API's throttle (settings ``DEFAULT_THROTTLE_CLASSES``)."""

from rest_framework import throttling

from liaison.proxies import client_ip


class UserRateThrottle(throttling.UserRateThrottle):
    """Per user; a request without one is counted per ``client_ip`` (DRF's own
    ``get_ident`` believes X-Forwarded-For from any sender)."""

    def get_ident(self, request):
        return client_ip(request)
