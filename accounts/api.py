"""API tokens: a user creates (or rotates) and revokes their own token; admins manage
every token in the admin (Django REST framework's Token admin)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from liaison.api import StrictQueryMixin

TokenSerializer = inline_serializer(
    "ApiToken",
    {
        "exists": serializers.BooleanField(),
        "key": serializers.CharField(required=False, help_text=_("仅在创建时返回一次")),
        "key_prefix": serializers.CharField(required=False),
        "created": serializers.DateTimeField(required=False),
    },
)


class TokenViewSet(StrictQueryMixin, viewsets.ViewSet):
    """``GET`` whether I have a token, ``POST`` create or rotate it (the key is shown once),
    ``DELETE`` revoke it. Not a record of the scoped world: it only ever touches the
    requesting user's own token."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: TokenSerializer})
    def show(self, request):
        token = Token.objects.filter(user=request.user).first()
        if token is None:
            return Response({"exists": False})
        return Response({"exists": True, "key_prefix": token.key[:6], "created": token.created})

    @extend_schema(request=None, responses={201: TokenSerializer})
    def create(self, request):
        Token.objects.filter(user=request.user).delete()
        token = Token.objects.create(user=request.user)
        return Response(
            {"exists": True, "key": token.key, "key_prefix": token.key[:6], "created": token.created},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={204: None})
    def revoke(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
