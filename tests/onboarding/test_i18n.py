"""The onboarding app's English catalogue is compiled and complete, and its pages switch."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tests.onboarding.helpers import build_world

PO = Path(__file__).resolve().parents[2] / "onboarding" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries() -> list[tuple[str, str]]:
    out = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        lines = block.splitlines()
        ids = [i for i, line in enumerate(lines) if line.startswith("msgid ")]
        strs = [i for i, line in enumerate(lines) if line.startswith("msgstr ")]
        if not ids:
            continue
        msgid = "".join(re.findall(r'"(.*)"', "\n".join(lines[ids[0] : strs[0]])))
        msgstr = "".join(re.findall(r'"(.*)"', "\n".join(lines[strs[0] :])))
        if msgid:
            out.append((msgid, msgstr))
    return out


def test_every_message_has_english():
    entries = _entries()
    assert len(entries) > 40
    assert PO.with_suffix(".mo").stat().st_mtime >= PO.stat().st_mtime - 1, "compile the catalogue (msgfmt)"
    with translation.override("en"):
        for msgid, msgstr in entries:
            assert msgstr and not re.search(r"[\u4e00-\u9fff]", msgstr), msgid
            assert not re.search(r"[\u4e00-\u9fff]", gettext(msgid)), msgid


@pytest.mark.django_db
def test_the_pages_in_english(client):
    world = build_world()
    client.force_login(world.staff)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    index = client.get(reverse("onboarding:index")).content.decode()
    assert "Roster import" in index and "Upload and check" in index
    term = client.get(reverse("onboarding:term_change")).content.decode()
    assert "Term change" in term
