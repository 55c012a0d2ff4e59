"""QR posters (二维码海报): an A4 PDF per station and per deputy, and a station's deputies'
cards all at once. The QR code is drawn by segno (a maintained, dependency-free QR
library) as vector squares, the text in the vendored CJK font (``liaison.pdf``); a scan
opens the station's submit page (for a deputy: the same page, naming the deputy)."""

from __future__ import annotations

import io

import segno
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from liaison import pdf, scoping
from public import selectors
from stations.models import Station

A4_W, A4_H = 595.27, 841.89
INSTRUCTION = "微信或手机相机扫一扫，向人大代表反映意见建议；提交后凭查询码查看办理进度和答复。"


def _qr(canvas, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code of ``url`` as filled squares, ``size`` points wide, bottom-left at (x, y)."""
    qr = segno.make(url, error="m", micro=False)
    rows = list(qr.matrix_iter(scale=1, border=2))
    module = size / len(rows)
    canvas.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                canvas.rect(x + c * module, y + size - (r + 1) * module, module, module, stroke=0, fill=1)


def _lines(canvas, text: str, x: float, y: float, width: float, size: float, leading: float) -> float:
    font = pdf.register_font()
    canvas.setFont(font, size)
    for line in pdf.fit_lines(text, width, size):
        canvas.drawString(x, y, line)
        y -= leading
    return y


def _slot_text(slot) -> str:
    names = "、".join(d.name for d in slot.deputies.all())
    return f"{slot.date:%Y-%m-%d} {slot.starts:%H:%M}–{slot.ends:%H:%M} {names}".strip()


def _poster_page(
    canvas, *, title: str, subtitle: str, url: str, details: list[str], slots: list[str]
) -> None:
    font = pdf.register_font()
    canvas.setFont(font, 26)
    canvas.drawCentredString(A4_W / 2, A4_H - 90, title)
    canvas.setFont(font, 15)
    canvas.drawCentredString(A4_W / 2, A4_H - 122, subtitle)
    qr_size = 270
    _qr(canvas, url, (A4_W - qr_size) / 2, A4_H - 170 - qr_size, qr_size)
    y = A4_H - 200 - qr_size
    y = _lines(canvas, INSTRUCTION, 70, y, A4_W - 140, 13, 19) - 8
    for line in details:
        y = _lines(canvas, line, 70, y, A4_W - 140, 12, 17)
    if slots:
        y = _lines(canvas, "近期接待安排：", 70, y - 6, A4_W - 140, 12, 17)
        for line in slots[:8]:
            y = _lines(canvas, line, 84, y, A4_W - 154, 11, 15)
    canvas.setFont(font, 8)
    canvas.drawString(70, 40, url)
    canvas.showPage()


def _pdf(build, filename: str) -> HttpResponse:
    from reportlab.pdfgen import canvas as pdfcanvas

    out = io.BytesIO()
    with pdf.building():
        canvas = pdfcanvas.Canvas(out, pagesize=(A4_W, A4_H))
        canvas.setTitle(filename)
        build(canvas)
        canvas.save()
    response = HttpResponse(out.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _station_url(request, station, deputy=None) -> str:
    url = request.build_absolute_uri(reverse("public:submit", args=[station.pk]))
    return f"{url}?deputy={deputy.pk}" if deputy else url


def _station_page(request, canvas, station) -> None:
    publication = getattr(station, "publication", None)
    details = [f"地址：{station.address}" if station.address else ""]
    if publication and publication.opening_hours:
        details.append(f"开放时间：{publication.opening_hours}")
    _poster_page(
        canvas,
        title=station.name,
        subtitle="网上代表联络站 · 扫码反映意见建议",
        url=_station_url(request, station),
        details=[d for d in details if d],
        slots=[_slot_text(s) for s in selectors.station_timetable(station=station)],
    )


def _deputy_page(request, canvas, deputy, station, slots) -> None:
    levels = "、".join(m.get_level_display() for m in getattr(deputy, "serving", []))
    _poster_page(
        canvas,
        title=f"{deputy.name} 代表",
        subtitle=f"{levels}人大代表 · {station.name}" if levels else station.name,
        url=_station_url(request, station, deputy),
        details=[f"职业：{deputy.occupation}"] if deputy.occupation else [],
        slots=[_slot_text(s) for s in slots],
    )


def station_poster(request, pk):
    station = selectors.station_or_404(pk)
    return _pdf(lambda c: _station_page(request, c, station), f"station-{station.pk}.pdf")


def deputy_poster(request, pk):
    deputy = selectors.deputy_or_404(pk)
    slots = selectors.deputy_timetable(deputy=deputy)
    return _pdf(
        lambda c: _deputy_page(request, c, deputy, deputy.home_station, slots), f"deputy-{deputy.pk}.pdf"
    )


def station_cards(request, pk):
    """Staff: the station's poster and every deputy's card, one PDF to print at once
    (whoever sees the station; the same 404 otherwise)."""
    from django.contrib.auth.views import redirect_to_login

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    station = scoping.get_scoped_or_404(request.user, Station.objects.select_related("region"), pk=pk)
    station = selectors.station_or_404(station.pk)
    deputies = selectors.station_deputies(station=station)
    slots = selectors.station_timetable(station=station)
    by_deputy: dict = {}
    for slot in slots:
        for d in slot.deputies.all():
            by_deputy.setdefault(d.pk, []).append(slot)

    def build(canvas):
        _station_page(request, canvas, station)
        for deputy in deputies:
            _deputy_page(request, canvas, deputy, station, by_deputy.get(deputy.pk, []))

    return _pdf(build, f"station-{station.pk}-cards-{timezone.localdate():%Y%m%d}.pdf")
