"""Writes of the online liaison station: one-time codes, submissions, the citizen's rating,
marking spam.

A submission becomes a ticket through ``suggestions.services.ticket_register``, the same
service as a ledger row (channel 网上联络站), so it enters the station's decision queue and
every figure like an opinion given at the station. The rating goes through
``ticket_transition`` ("record_satisfaction") with the verified citizen as the actor."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from PIL import Image, ImageOps

from deputies.models import Deputy
from liaison import scoping
from liaison.idempotency import lock_client_ids
from notifications.services import Digest, Message, notify_many
from notifications.sms import get_backend
from public.models import OnlineSubmission, PhoneCode
from stations.models import Region, Station
from suggestions import services as ticket_services
from suggestions.models import Attachment, Category, Ticket, TimelineEvent

# The PIPL notice (个人信息处理告知) shown on the submit page; a new text gets a new version.
NOTICE_VERSION = "2026-12-v1"
PURPOSE = gettext_noop("办理您提出的意见建议并向您反馈办理结果")

CODE_TTL = timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
CODE_RESEND_AFTER = timedelta(seconds=60)
TRACKING_CODE_BYTES = 10  # 80 bits, base32: 16 characters
CONTENT_MAX = 2000
PHOTOS_MAX = 3
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_SIDE = 2048

PHONE_MESSAGE = gettext_noop("请填写11位手机号码。")
CODE_WRONG = gettext_noop("验证码不正确或已失效，请重新获取。")


def normalise_phone(phone: str) -> str:
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if len(digits) != 11 or not digits.startswith("1"):
        raise ValidationError({"phone": PHONE_MESSAGE})
    return digits


def _hash(code: str, phone: str, purpose: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{purpose}:{phone}:{code}".encode(), hashlib.sha256
    ).hexdigest()


@transaction.atomic
def phone_code_send(*, phone: str, purpose: str) -> PhoneCode:
    """Send a 6-digit one-time code to ``phone`` through the SMS backend (the console
    backend prints it in the demo). At most one a minute per phone and purpose."""
    phone = normalise_phone(phone)
    # one sender at a time per phone and purpose: 20 taps at once send one SMS
    lock_client_ids([uuid.uuid5(uuid.NAMESPACE_URL, f"liaison:phone-code:{purpose}:{phone}")])
    now = timezone.now()
    recent = (
        PhoneCode.objects.select_for_update()
        .filter(phone=phone, purpose=purpose, used_at__isnull=True, created_at__gt=now - CODE_RESEND_AFTER)
        .first()
    )
    if recent is not None:
        return recent  # already sent a moment ago: no second SMS
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = PhoneCode.objects.create(
        phone=phone, purpose=purpose, code_hash=_hash(code, phone, purpose), expires_at=now + CODE_TTL
    )
    get_backend().send(phone, f"【人大代表联络站】您的验证码是 {code}，10分钟内有效。如非本人操作，请忽略。")
    return row


def _use_code(*, phone: str, code: str, purpose: str) -> bool:
    """Use up a valid code for ``phone`` (inside the caller's transaction); a wrong guess
    counts against the latest code (five and it is spent)."""
    row = (
        PhoneCode.objects.select_for_update()
        .filter(phone=phone, purpose=purpose, used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )
    if row is None or row.attempts >= CODE_MAX_ATTEMPTS:
        return False
    if not hmac.compare_digest(row.code_hash, _hash((code or "").strip(), phone, purpose)):
        PhoneCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
        return False
    PhoneCode.objects.filter(pk=row.pk).update(used_at=timezone.now())
    return True


def phone_code_check(*, phone: str, code: str, purpose: str) -> None:
    """``_use_code`` or ``ValidationError``; the counted attempt commits before the refusal."""
    with transaction.atomic():
        ok = _use_code(phone=phone, code=code, purpose=purpose)
    if not ok:
        raise ValidationError({"code": CODE_WRONG})


def new_tracking_code() -> str:
    """80 random bits from ``secrets``, in base32 without padding: not the ticket's id,
    not guessable, easy to read out (no 0/1/8 confusion: A–Z and 2–7)."""
    import base64

    return base64.b32encode(secrets.token_bytes(TRACKING_CODE_BYTES)).decode().rstrip("=")


def clean_photo(upload: UploadedFile) -> ContentFile:
    """A photo as stored: sniffed from its bytes (JPEG or PNG only), at most 5 MB, turned
    upright and re-encoded, so no EXIF (GPS position, camera) or other metadata is kept."""
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError({"photos": f"照片“{upload.name}”超过 5 MB。"})
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            probe.verify()
            fmt = probe.format
        upload.seek(0)
        with Image.open(upload) as image:
            if fmt not in ("JPEG", "PNG"):
                raise ValueError(fmt)
            image = ImageOps.exif_transpose(image)
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            out = io.BytesIO()
            if fmt == "JPEG":
                image.convert("RGB").save(out, "JPEG", quality=85)  # no exif= argument: none written
            else:
                image.save(out, "PNG")
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError({"photos": f"文件“{upload.name}”不是 JPG 或 PNG 照片。"}) from exc
    ext = "jpg" if fmt == "JPEG" else "png"
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ext}")


@dataclass(frozen=True)
class Submitted:
    submission: OnlineSubmission
    created: bool


def _notify_keepers(ticket: Ticket) -> None:
    url = reverse("suggestions:detail", args=[ticket.pk])
    text = " ".join(ticket.content.split())
    short = text if len(text) <= 30 else f"{text[:30]}…"
    notify_many(
        Message(
            user_id=uid,
            kind="ticket_submitted_online",
            title=f"网上意见：{short}",
            body=f"群众通过网上联络站向{ticket.station.name}提交了意见建议，请受理。",
            url=url,
            data={"ticket": str(ticket.pk), "action": "register"},
            digest=Digest(
                "submitted_online",
                "{n} 件网上意见建议待受理",
                f"{reverse('suggestions:decision_queue')}#decide",
            ),
        )
        for uid in scoping.station_keeper_ids(ticket.station)
    )


def _register(
    *, form_token, station, category, content, village, citizen_name, phone, consent_to_share, photos, deputy
) -> OnlineSubmission:
    ticket = ticket_services.ticket_register(
        received_by_deputy=deputy,
        station=station,
        category=category,
        content=content,
        village=village,
        citizen_name=citizen_name,
        citizen_phone=phone,
        consent_to_share=consent_to_share,
        channel=Ticket.Channel.ONLINE,
    )
    submission = OnlineSubmission.objects.create(
        ticket=ticket,
        tracking_code=new_tracking_code(),
        form_token=form_token,
        notice_version=NOTICE_VERSION,
        consented_at=timezone.now(),
        purpose=PURPOSE,
        consent_to_share=consent_to_share,
    )
    if photos:
        event = TimelineEvent.objects.get(ticket=ticket, action="register")
        Attachment.objects.bulk_create(
            Attachment(
                event=event,
                file=photo,
                original_name=photo.name,
                content_type="image/jpeg" if photo.name.endswith(".jpg") else "image/png",
                size=photo.size,
            )
            for photo in photos
        )
    _notify_keepers(ticket)
    return submission


def online_submission_create(
    *,
    form_token: uuid.UUID,
    station: Station,
    category: Category,
    content: str,
    village: Region | None,
    citizen_name: str,
    citizen_phone: str,
    code: str,
    consent: bool,
    consent_to_share: bool,
    photos: list[UploadedFile] = (),
    deputy: Deputy | None = None,
) -> Submitted:
    """Register the opinion as a ticket of ``station`` (channel online) with the consent
    record and the tracking code, after the phone's one-time code. The same form posted
    again (``form_token``) returns the first submission: one ticket, however many posts."""
    existing = OnlineSubmission.objects.filter(form_token=form_token).select_related("ticket").first()
    if existing is not None:
        return Submitted(existing, False)
    errors = {}
    content = (content or "").strip()
    citizen_name = (citizen_name or "").strip()
    if not content:
        errors["content"] = gettext_noop("请填写意见建议内容。")
    elif len(content) > CONTENT_MAX:
        errors["content"] = f"内容请控制在 {CONTENT_MAX} 字以内。"
    if not citizen_name or len(citizen_name) > 50:
        errors["citizen_name"] = gettext_noop("请填写您的姓名（50字以内）。")
    if not consent:
        errors["consent"] = gettext_noop("请阅读并同意个人信息处理告知后再提交。")
    if len(photos) > PHOTOS_MAX:
        errors["photos"] = f"最多上传 {PHOTOS_MAX} 张照片。"
    try:
        phone = normalise_phone(citizen_phone)
    except ValidationError as exc:
        errors["citizen_phone"] = exc.message_dict["phone"]
    if errors:
        raise ValidationError(errors)
    cleaned = [clean_photo(p) for p in photos]
    with transaction.atomic():
        # the form token is locked first: a concurrent twin waits here, then finds the first
        lock_client_ids([form_token])
        existing = OnlineSubmission.objects.filter(form_token=form_token).select_related("ticket").first()
        if existing is not None:
            return Submitted(existing, False)
        code_ok = _use_code(phone=phone, code=code, purpose=PhoneCode.Purpose.SUBMIT)
        if code_ok:
            submission = _register(
                form_token=form_token,
                station=station,
                category=category,
                content=content,
                village=village,
                citizen_name=citizen_name,
                phone=phone,
                consent_to_share=consent_to_share,
                photos=cleaned,
                deputy=deputy,
            )
    if not code_ok:  # the wrong guess is counted (committed) before the refusal
        raise ValidationError({"code": CODE_WRONG})
    return Submitted(submission, True)


def tracked_submission(*, tracking_code: str, phone_last4: str) -> OnlineSubmission:
    """The submission with this tracking code whose phone ends in these four digits, or
    one ``PermissionDenied`` for a wrong code and a wrong phone alike."""
    code = (tracking_code or "").strip().upper().replace(" ", "").replace("-", "")
    last4 = (phone_last4 or "").strip()
    found = (
        OnlineSubmission.objects.select_related("ticket__station__region", "ticket__handling_unit")
        .filter(tracking_code=code)
        .first()
        if code
        else None
    )
    if (
        found is None
        or len(last4) != 4
        or not hmac.compare_digest(found.ticket.citizen_phone[-4:].encode(), last4.encode())
    ):
        raise PermissionDenied(gettext_noop("查询码或手机号后四位不正确。"))
    return found


def citizen_rate(*, submission: OnlineSubmission, satisfaction: str, comment: str = "") -> Ticket:
    """The citizen's own rating of the delivered reply, through the same transition as a
    rating staff enter (recorded as given by the citizen, online). 不满意 tells the keepers,
    who decide on reopening it (``notifications.tickets``)."""
    if satisfaction not in Ticket.Satisfaction.values:
        raise ValidationError({"satisfaction": gettext_noop("请选择满意、基本满意或不满意。")})
    ticket = submission.ticket
    return ticket_services.ticket_record_satisfaction(
        ticket=ticket,
        actor=scoping.VerifiedCitizen(ticket_id=ticket.pk),
        satisfaction=satisfaction,
        comment=(comment or "").strip()[:500],
        expected_version=None,
    )


@transaction.atomic
def ticket_mark_spam(*, ticket: Ticket, actor) -> Ticket:
    """垃圾信息: keep the submission, leave it out of every figure (``Ticket.objects.counted``)
    and close it by withdrawing it (out of the queues). Only an online submission, by whoever
    decides the ticket; marking it again changes nothing."""
    if not scoping.can_decide_ticket(actor, ticket):
        raise PermissionDenied(gettext("您无权处理本件。"))
    if ticket.channel != Ticket.Channel.ONLINE:
        raise ValidationError(gettext_noop("只有网上提交的意见可以标记为垃圾信息。"))
    locked = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    if locked.is_spam:
        return locked
    if locked.status not in Ticket.FINAL_STATUSES:
        ticket_services.ticket_withdraw(ticket=locked, actor=actor, comment="标记为垃圾信息")
    Ticket.objects.filter(pk=locked.pk).update(
        is_spam=True, version=F("version") + 1, updated_at=timezone.now()
    )
    locked.refresh_from_db()
    return locked


def track_code_send(*, tracking_code: str) -> None:
    """Send a new one-time code to the phone of the submission with this tracking code (for
    a citizen who does not remember which phone); nothing, and no sign of it, for a wrong code."""
    code = (tracking_code or "").strip().upper().replace(" ", "").replace("-", "")
    found = (
        OnlineSubmission.objects.filter(tracking_code=code).select_related("ticket").first() if code else None
    )
    if found is not None:
        phone_code_send(phone=found.ticket.citizen_phone, purpose=PhoneCode.Purpose.TRACK)


def tracked_submission_by_sms(*, tracking_code: str, sms_code: str) -> OnlineSubmission:
    """The submission with this tracking code, proven by a new one-time code sent to its
    phone; one ``PermissionDenied`` for any mismatch."""
    code = (tracking_code or "").strip().upper().replace(" ", "").replace("-", "")
    found = (
        OnlineSubmission.objects.select_related("ticket__station__region", "ticket__handling_unit")
        .filter(tracking_code=code)
        .first()
        if code
        else None
    )
    if found is None:
        raise PermissionDenied(gettext_noop("查询码或验证码不正确。"))
    with transaction.atomic():
        ok = _use_code(phone=found.ticket.citizen_phone, code=sms_code, purpose=PhoneCode.Purpose.TRACK)
    if not ok:
        raise PermissionDenied(gettext_noop("查询码或验证码不正确。"))
    return found
