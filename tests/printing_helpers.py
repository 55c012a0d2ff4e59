"""Shared by the printing tests: a ticket carried through to a reply and a delivery
(the rows written as the workflow writes them), and reading PDFs back."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from pypdf import PdfReader

from suggestions.models import Delivery, Reply, Ticket, TimelineEvent

TZ = timezone.get_fixed_timezone(8 * 60)


def replied(
    ticket: Ticket,
    *,
    unit,
    text: str,
    replied_on: dt.date,
    delivered_on: dt.date | None = None,
    satisfaction: str = "",
    assigned_on: dt.date | None = None,
) -> Ticket:
    """``ticket`` assigned to ``unit``, replied with ``text`` and, with ``delivered_on``,
    fed back to the citizen who rated it ``satisfaction``."""
    assigned_at = dt.datetime.combine(assigned_on or replied_on, dt.time(9), tzinfo=TZ)
    TimelineEvent.objects.create(
        ticket=ticket, action="assign", from_status="accepted", to_status="assigned", at=assigned_at
    )
    at = dt.datetime.combine(replied_on, dt.time(10), tzinfo=TZ)
    event = TimelineEvent.objects.create(
        ticket=ticket, action="reply", from_status="assigned", to_status="replied", at=at
    )
    reply = Reply.objects.create(ticket=ticket, handling_unit=unit, text=text, event=event, created_at=at)
    ticket.handling_unit = unit
    ticket.tier = Ticket.Tier.COUNTY_DEPARTMENT
    ticket.status = Ticket.Status.REPLIED
    if delivered_on:
        at = dt.datetime.combine(delivered_on, dt.time(15), tzinfo=TZ)
        event = TimelineEvent.objects.create(
            ticket=ticket, action="deliver", from_status="replied", to_status="delivered", at=at
        )
        Delivery.objects.create(
            ticket=ticket,
            reply=reply,
            channel="phone",
            delivered_at=at,
            satisfaction=satisfaction,
            event=event,
        )
        ticket.status = Ticket.Status.DELIVERED
        ticket.satisfaction = satisfaction
    ticket.save()
    return ticket


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def embedded_fonts(content: bytes) -> list[str]:
    """The names of the fonts ``content`` embeds as TrueType (``/FontFile2``)."""
    reader = PdfReader(io.BytesIO(content))
    names = []
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor and "/FontFile2" in descriptor.get_object():
                    names.append(str(descendant.get_object()["/BaseFont"]))
    return names
