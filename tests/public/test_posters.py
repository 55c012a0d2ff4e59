"""QR posters: an A4 PDF per station and per deputy with the QR code of the submit page,
and the staff page that prints all of a station's deputies' cards at once (scoped)."""

from __future__ import annotations

import io

from django.urls import reverse
from pypdf import PdfReader


def _pdf(response) -> PdfReader:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def test_station_and_deputy_posters(client, w):
    station = _pdf(client.get(reverse("public:station_poster", args=[w.station.pk])))
    assert len(station.pages) == 1
    text = station.pages[0].extract_text()
    assert w.station.name in text and reverse("public:submit", args=[w.station.pk]) in text
    deputy = _pdf(client.get(reverse("public:deputy_poster", args=[w.public_deputy.pk])))
    text = deputy.pages[0].extract_text()
    assert "李代表" in text and f"?deputy={w.public_deputy.pk}" in text
    assert w.public_deputy.phone not in text


def test_a_station_prints_all_its_deputies_cards(client, w):
    client.force_login(w.officer)
    cards = _pdf(client.get(reverse("public:station_cards", args=[w.station.pk])))
    assert len(cards.pages) == 1 + 2  # the station's poster, then each of its two deputies
    assert client.get(reverse("public:station_cards", args=[w.other_station.pk])).status_code == 404
