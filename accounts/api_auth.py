"""The API's authentication classes: DRF's token and session ones, refusing with 403 and
a ``code`` an account that must first change its password (a reset by staff, a first
sign-in, expiry), so a client can tell the user what to do. (Session requests to the API
are answered the same by ``AccountStepsMiddleware`` before they reach DRF.)"""

from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication, exceptions, status

from accounts.middleware import PASSWORD_CHANGE_REQUIRED, STEP_MESSAGES


class AccountStepRequired(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN

    def __init__(self, code: str):
        super().__init__({"detail": str(STEP_MESSAGES[code]), "code": code})


def _checked(result):
    from accounts.services import password_change_due

    if result is not None and password_change_due(result[0]):
        raise AccountStepRequired(PASSWORD_CHANGE_REQUIRED)
    return result


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        return _checked(super().authenticate(request))


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        return _checked(super().authenticate(request))


class _SessionScheme(SessionScheme):
    """The schema's ``cookieAuth`` for our session class (drf-spectacular matches the token
    class's subclasses itself, not the session class's)."""

    target_class = "accounts.api_auth.SessionAuthentication"
