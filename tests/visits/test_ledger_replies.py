"""The ledgers' 答复情况 carries the reply: its text and date, the citizen's evaluation
and the date it was fed back, in Excel and in the PDF, without a query per row; the PDF
embeds its CJK font and never breaks a date."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from suggestions.models import Ticket
from tests.factories import HandlingUnitFactory, TicketFactory
from tests.printing_helpers import embedded_fonts, pdf_text, replied

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": "2024-05-01", "date_to": "2024-05-31"}


def _ledger(client, station, **params):
    return client.get(reverse("visits:ledger", args=[station.pk]), {"book": "reception", **PERIOD, **params})


@pytest.fixture
def book(day):
    unit = HandlingUnitFactory(name="交城县交通运输局")
    done = replied(
        TicketFactory(station=day.station, citizen_name="答复户", content="村道坑洼"),
        unit=unit,
        text="已安排养护队于五月底前修补。",
        replied_on=dt.date(2024, 5, 20),
        delivered_on=dt.date(2024, 5, 22),
        satisfaction=Ticket.Satisfaction.SATISFIED,
    )
    waiting = replied(
        TicketFactory(station=day.station, citizen_name="待反馈户", content="路灯不亮"),
        unit=unit,
        text="路灯已报修。",
        replied_on=dt.date(2024, 5, 21),
    )
    TicketFactory(station=day.station, citizen_name="未办户", content="垃圾清运")
    return day, done, waiting


def test_the_excel_ledger_carries_the_reply_satisfaction_and_feedback_date(book):
    day, _, _ = book
    sheet = load_workbook(io.BytesIO(_ledger(day.client, day.station, format="xlsx").content)).active
    rows = {r[3]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert (
        rows["答复户"][9]
        == "已答复（2024-05-20）：已安排养护队于五月底前修补。\n群众评价：满意\n反馈日期：2024-05-22"
    )
    assert rows["待反馈户"][9] == "已答复（2024-05-21）：路灯已报修。"
    assert rows["未办户"][9] == "未答复"
    assert sheet.cell(row=4, column=10).alignment.wrap_text


def test_the_pdf_ledger_carries_the_reply_in_an_embedded_font(book):
    day, _, _ = book
    content = _ledger(day.client, day.station, format="pdf").content
    assert b"/FontFile2" in content
    assert embedded_fonts(content) and all("WenQuanYiMicroHei" in name for name in embedded_fonts(content))
    _, text = pdf_text(content)
    flat = text.replace("\n", "")
    assert "已安排养护队于五月底前修补。" in flat
    assert "群众评价：满意" in flat and "反馈日期：2024-05-22" in text
    # every date is whole on one line of the extracted text
    assert "已答复（2024-05-20）" in flat and "2024-05-20" in text and "2024-05-21" in text


def test_replies_add_no_query_per_row(day, django_assert_max_num_queries):
    unit = HandlingUnitFactory()

    def add(n):
        for i in range(n):
            replied(
                TicketFactory(station=day.station),
                unit=unit,
                text=f"答复{i}",
                replied_on=dt.date(2024, 5, 20),
                delivered_on=dt.date(2024, 5, 21),
                satisfaction="satisfied",
            )

    add(2)
    for fmt in ("xlsx", "pdf"):
        with django_assert_max_num_queries(12) as few:
            _ledger(day.client, day.station, format=fmt)
        pinned = len(few.captured_queries)
        add(15)
        with django_assert_max_num_queries(pinned):
            response = _ledger(day.client, day.station, format=fmt)
        assert response.status_code == 200
