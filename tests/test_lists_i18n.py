"""The English catalogue of the lists work (liaison/locale/en) is compiled and complete:
every message in it has an English text, and Django serves it in English mode."""

import re
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext, ngettext

PO = Path(__file__).resolve().parent.parent / "liaison" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_message_has_english_and_is_served():
    text = PO.read_text(encoding="utf-8")
    singles = re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', text, flags=re.M)
    plurals = re.findall(
        r'^msgid "(.+)"\nmsgid_plural "(.+)"\nmsgstr\[0\] "(.+)"\nmsgstr\[1\] "(.+)"$', text, flags=re.M
    )
    assert len(singles) > 20 and plurals
    assert PO.with_suffix(".mo").stat().st_mtime >= PO.stat().st_mtime - 1, "compile the catalogue (msgfmt)"
    with translation.override("en"):
        for msgid, msgstr in singles:
            assert msgstr, msgid
            assert gettext(msgid) == msgstr, msgid
            assert not re.search(r"[\u4e00-\u9fff]", msgstr), msgstr
        for one, many, en_one, en_many in plurals:
            assert ngettext(one, many, 1) == en_one and ngettext(one, many, 2) == en_many
