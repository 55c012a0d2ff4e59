"""The online station's English catalogue (public/locale/en) is compiled and complete, and
the pages without data are wholly English in English mode."""

import gettext
import re
from pathlib import Path

from django.urls import reverse

from suggestions.models import Category

PO = Path(__file__).resolve().parent.parent.parent / "public" / "locale" / "en" / "LC_MESSAGES" / "django.po"
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_message_has_english():
    text = PO.read_text(encoding="utf-8")
    msgids = len(re.findall(r"^msgid ", text, flags=re.M)) - 1  # less the header
    assert PO.with_suffix(".mo").stat().st_mtime >= PO.stat().st_mtime - 1, "compile the catalogue (msgfmt)"
    with PO.with_suffix(".mo").open("rb") as f:
        catalog = {k: v for k, v in gettext.GNUTranslations(f)._catalog.items() if k}
    assert msgids > 100 and len(catalog) == msgids  # msgfmt leaves out untranslated and fuzzy ones
    for msgid, msgstr in catalog.items():
        assert msgstr and not HAN.search(msgstr), msgid


def test_pages_without_data_are_english(client, w):
    client.cookies["django_language"] = "en"
    for url in (reverse("public:track"), reverse("public:submit", args=[w.station.pk])):
        html = client.get(url).content.decode()
        html = html.replace(">中文<", "><").replace(w.station.name, "")
        # data, not interface: every category (the migration seeds the default ones) and village
        categories = Category.objects.values_list("name", flat=True)
        for option in (*categories, *(v.name for v in w.tree.villages)):
            html = html.replace(option, "")
        assert not HAN.search(html), (url, HAN.findall(html)[:20])
