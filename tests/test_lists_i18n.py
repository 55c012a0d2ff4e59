"""The English catalogue of the lists work (liaison/locale/en) is compiled and complete:
every message in it has an English text, and Django serves it in English mode.
(tests/test_translations_complete.py checks every catalogue of the project the same way.)"""

import re
from pathlib import Path

import polib
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

PO = Path(__file__).resolve().parent.parent / "liaison" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_message_has_english_and_is_served():
    po = polib.pofile(str(PO))
    singles = [(e.msgctxt, e.msgid, e.msgstr) for e in po if not e.msgid_plural]
    plurals = [
        (e.msgid, e.msgid_plural, e.msgstr_plural[0], e.msgstr_plural[1]) for e in po if e.msgid_plural
    ]
    assert len(singles) > 20 and plurals
    assert PO.with_suffix(".mo").stat().st_mtime >= PO.stat().st_mtime - 1, "compile the catalogue (msgfmt)"
    with translation.override("en"):
        for context, msgid, msgstr in singles:
            assert msgstr, msgid
            assert (pgettext(context, msgid) if context else gettext(msgid)) == msgstr, msgid
            assert not re.search(r"[\u4e00-\u9fff]", msgstr), msgstr
        for one, many, en_one, en_many in plurals:
            assert ngettext(one, many, 1) == en_one and ngettext(one, many, 2) == en_many
