"""The browsable API without forms.

Django REST framework's HTML renderer builds a form for every write method a view has,
and a filter form, from the serializer's and the filterset's fields: a related field's
dropdown lists its *whole* queryset (every station, deputy, ticket…), whoever asks and
whatever the request answers (even a 404). Scoping every related field would make the
JSON API depend on a second copy of the rules, so the HTML view shows the response
(the same JSON, with links) and never a form or a choice list. Writes are made with a
client (or the Swagger page, ``/api/v1/docs/``), reads stay browsable."""

from __future__ import annotations

import json

from rest_framework import renderers


class RawJSON(str):
    """A response body already written as JSON (``liaison.sync``: a feed's page built by
    PostgreSQL), in DRF's compact form. ``JSONRenderer`` sends it as it is."""


class JSONRenderer(renderers.JSONRenderer):
    """DRF's, passing ``RawJSON`` through (re-indented when the client asks for indenting,
    as the browsable API does)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, RawJSON):
            if self.get_indent(accepted_media_type, renderer_context or {}) is None:
                # as DRF's: U+2028/U+2029 escaped, for JavaScript's sake
                return data.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()
            data = json.loads(data)
        return super().render(data, accepted_media_type, renderer_context)


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """``?format=api``, the ``.api`` suffix and ``Accept: text/html``: the response only."""

    def show_form_for_method(self, view, method, request, obj) -> bool:
        return False

    def get_rendered_html_form(self, data, view, method, request):
        return None

    def get_raw_data_form(self, data, view, method, request):
        return None

    def get_filter_form(self, data, view, request):
        return None

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["display_edit_forms"] = False
        # Pygments' highlighting would come as an inline <style> (refused by the CSP);
        # DRF's prettify.js, a static file, highlights the response instead.
        context["code_style"] = None
        return context
