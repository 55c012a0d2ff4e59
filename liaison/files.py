"""One way to send a stored file after a view has checked who may have it.

``FILES_SENT_BY="django"`` (the default: demo, tests, a bare gunicorn) streams it from the
view with ``FileResponse``. ``"nginx"`` (production, deploy/nginx/liaison.conf) answers an
empty response with ``X-Accel-Redirect: PROTECTED_MEDIA_URL + <path in MEDIA_ROOT>``; nginx
then sends the file itself from an ``internal`` location that no client can ask for
directly, so a slow download never holds a gunicorn worker and no file has a public URL.
The headers the view sets (type, disposition, caching, nosniff) travel on the response
nginx passes on.

Written here rather than taken from django-sendfile2: its non-nginx backends read the
whole file into memory (or go through ``django.views.static``), where ``FileResponse``
streams it; the nginx part is one header.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse


def stored_file_response(stored, *, content_type: str, disposition: str, cache_control: str):
    """A response that sends ``stored`` (a FieldFile of the default storage)."""
    content_type = content_type or "application/octet-stream"
    if settings.FILES_SENT_BY == "nginx":
        response = HttpResponse(content_type=content_type)
        # the storage's name is relative to MEDIA_ROOT and never starts with "/" or holds "..";
        # quoted so that a name with spaces or Chinese characters reaches nginx intact
        response["X-Accel-Redirect"] = settings.PROTECTED_MEDIA_URL + quote(stored.name)
    else:
        response = FileResponse(stored.open("rb"), content_type=content_type)
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response
