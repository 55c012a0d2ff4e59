"""Files over the API: a reception's photos and sign-in sheets, and a ticket's files.

An upload is multipart (``file``, and ``id``: the client's UUID for it, so a retried
upload stores nothing twice) and passes the reception page's checks (``liaison.uploads``:
the type sniffed from the bytes, JPEG/PNG/PDF, at most 10 MB); it is for those who log
receptions at the station. Lists and downloads are for whoever may see the reception or
the ticket (``liaison.scoping``): files are sent only through these routes, never by a
media URL."""

from __future__ import annotations

import uuid

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from liaison.api import ERROR_RESPONSES, WRITE_RESPONSES, ErrorSerializer, ScopedViewSet
from liaison.files import stored_file_response
from liaison.uploads import ATTACHMENT_TYPES
from suggestions import services as ticket_services
from suggestions.models import Attachment, Ticket
from visits import services
from visits.api import service_refusals
from visits.models import ReceptionAttachment, ReceptionSession


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("JPG、PNG 照片或 PDF，不超过 10 MB（按文件内容识别类型）"))
    id = serializers.UUIDField(required=False, help_text=_("客户端生成的 UUID：重试同一上传不会重复保存"))


THUMB_PARAMETER = OpenApiParameter(
    "thumb", OpenApiTypes.STR, enum=["0", "1"], description=_("1：照片的缩略图（JPEG）")
)
RECORD_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def _id_parameter(kind) -> OpenApiParameter:
    return OpenApiParameter(
        "attachment_id", kind, OpenApiParameter.PATH, description=gettext("附件的 ID（列表中的 id）")
    )


def _parsed(value: str, parse):
    """A path id, or the API's 404 (a malformed id is no attachment either)."""
    try:
        return parse(value)
    except (TypeError, ValueError) as exc:
        raise exceptions.NotFound(NOT_FOUND) from exc


def _ticket_attachment_pk(value: str) -> int:
    if not (value.isascii() and value.isdecimal()) or not 0 < int(value) <= 2**31 - 1:
        raise ValueError(value)
    return int(value)


NOT_FOUND = _("未找到该附件。")
UPLOAD_RESPONSES = {k: v for k, v in WRITE_RESPONSES.items() if k not in (412, 428)}


def _file_response(stored, content_type: str):
    return stored_file_response(
        stored, content_type=content_type, disposition="attachment", cache_control="private, no-store"
    )


def _upload(request) -> tuple:
    payload = UploadSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    return payload.validated_data["file"], payload.validated_data.get("id") or uuid.uuid4()


def _thumb_wanted(request) -> bool:
    value = request.query_params.get("thumb", "0")
    if value not in ("0", "1"):
        raise exceptions.ValidationError({"thumb": [gettext('应为 "0" 或 "1"。')]})
    return value == "1"


# --- a reception's photos and sign-in sheets ---------------------------------------------------


class ReceptionAttachmentSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField(help_text=_("下载地址（须带令牌）"))
    thumbnail = serializers.SerializerMethodField(help_text=_("缩略图地址（仅照片）"))

    class Meta:
        model = ReceptionAttachment
        fields = [
            "id",
            "session",
            "kind",
            "original_name",
            "content_type",
            "size",
            "created_at",
            "download",
            "thumbnail",
        ]

    def get_download(self, attachment) -> str:
        return reverse("api:reception-attachment", args=[attachment.session_id, attachment.pk])

    def get_thumbnail(self, attachment) -> str | None:
        return f"{self.get_download(attachment)}?thumb=1" if attachment.thumbnail else None


class ReceptionAttachmentViewSet(ScopedViewSet):
    """A reception's photos and scanned sign-in sheets (照片、签到表)."""

    base_queryset = ReceptionSession.objects.select_related("station__region")
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = UploadSerializer  # what an upload takes (no choice lists for a form)

    def allowed_query_params(self) -> set[str]:
        return {"thumb"} if self.action == "download" else super().allowed_query_params()

    @extend_schema(
        parameters=[RECORD_ID],
        responses={200: ReceptionAttachmentSerializer(many=True), 404: ERROR_RESPONSES[404]},
    )
    def list(self, request, pk=None, format=None):
        session = self.get_object()
        attachments = session.attachments.order_by("created_at", "pk")
        return Response(ReceptionAttachmentSerializer(attachments, many=True).data)

    @extend_schema(
        parameters=[RECORD_ID],
        request={"multipart/form-data": UploadSerializer},
        responses={
            200: ReceptionAttachmentSerializer,
            201: ReceptionAttachmentSerializer,
            **UPLOAD_RESPONSES,
        },
    )
    def create(self, request, pk=None, format=None):
        """Upload a photo or a scan (draft or completed reception): 201, or 200 with the
        stored attachment when this ``id`` was uploaded before."""
        session = self.get_object()
        upload, attachment_id = _upload(request)
        with service_refusals():
            attachment, created = services.reception_attachment_upload(
                session=session, upload=upload, actor=request.user, attachment_id=attachment_id
            )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ReceptionAttachmentSerializer(attachment).data, status=code)

    @extend_schema(
        parameters=[RECORD_ID, _id_parameter(OpenApiTypes.UUID), THUMB_PARAMETER],
        responses={
            **{(200, content_type): OpenApiTypes.BINARY for content_type in ATTACHMENT_TYPES},
            400: ERROR_RESPONSES[400],
            404: ERROR_RESPONSES[404],
        },
    )
    def download(self, request, pk=None, attachment_id=None, format=None):
        session = self.get_object()
        thumb = _thumb_wanted(request)
        attachment = session.attachments.filter(pk=_parsed(attachment_id, uuid.UUID)).first()
        if attachment is None or (thumb and not attachment.thumbnail):
            raise exceptions.NotFound(NOT_FOUND)
        if thumb:
            return _file_response(attachment.thumbnail, "image/jpeg")
        return _file_response(attachment.file, attachment.content_type)


# --- a ticket's files ----------------------------------------------------------------------------


class TicketAttachmentSerializer(serializers.ModelSerializer):
    action = serializers.CharField(source="event.action", help_text=_("随哪一步办理上传（attach：补充附件）"))
    at = serializers.DateTimeField(source="event.at")
    download = serializers.SerializerMethodField(help_text=_("下载地址（须带令牌）"))

    class Meta:
        model = Attachment
        fields = ["id", "client_id", "action", "at", "original_name", "content_type", "size", "download"]

    def get_download(self, attachment) -> str:
        return reverse("api:ticket-attachment", args=[attachment.event.ticket_id, attachment.pk])


class TicketAttachmentViewSet(ScopedViewSet):
    """The files of a ticket's timeline (a reply's documents, a photo of the citizen's
    letter); uploads add a "补充附件" step to the timeline."""

    base_queryset = Ticket.objects.select_related("station__region")
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = UploadSerializer

    def _attachments(self, ticket: Ticket):
        return Attachment.objects.filter(event__ticket=ticket).select_related("event").order_by("pk")

    @extend_schema(
        parameters=[RECORD_ID],
        responses={200: TicketAttachmentSerializer(many=True), 404: ERROR_RESPONSES[404]},
    )
    def list(self, request, pk=None, format=None):
        return Response(TicketAttachmentSerializer(self._attachments(self.get_object()), many=True).data)

    @extend_schema(
        parameters=[RECORD_ID],
        request={"multipart/form-data": UploadSerializer},
        responses={200: TicketAttachmentSerializer, 201: TicketAttachmentSerializer, **UPLOAD_RESPONSES},
    )
    def create(self, request, pk=None, format=None):
        """Upload a photo or a scan to the ticket: 201, or 200 with the stored attachment
        when this ``id`` was uploaded before."""
        ticket = self.get_object()
        upload, attachment_id = _upload(request)
        with service_refusals():
            attachment, created = ticket_services.ticket_attach(
                ticket=ticket, upload=upload, actor=request.user, attachment_id=attachment_id
            )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(TicketAttachmentSerializer(attachment).data, status=code)

    @extend_schema(
        parameters=[RECORD_ID, _id_parameter(OpenApiTypes.INT)],
        responses={
            (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description=_("文件（上传时的类型）")),
            404: OpenApiResponse(ErrorSerializer, description=_("附件不存在，或不在您的范围内")),
        },
    )
    def download(self, request, pk=None, attachment_id=None, format=None):
        pk = _parsed(attachment_id, _ticket_attachment_pk)
        attachment = self._attachments(self.get_object()).filter(pk=pk).first()
        if attachment is None:
            raise exceptions.NotFound(NOT_FOUND)
        return _file_response(attachment.file, attachment.content_type)
