"""The accounts app's English catalogue (accounts/locale/en) is compiled and complete."""

import re
from pathlib import Path

import polib
from django.utils import translation
from django.utils.translation import gettext, pgettext

PO = Path(__file__).resolve().parents[2] / "accounts" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_accounts_message_has_english_and_is_served():
    # polib, not a regex: msgcat (merging catalogues) wraps a long msgstr over lines
    singles = [(e.msgctxt, e.msgid, e.msgstr) for e in polib.pofile(str(PO)) if not e.msgid_plural]
    assert len(singles) > 80
    assert PO.with_suffix(".mo").stat().st_mtime >= PO.stat().st_mtime - 1, "compile the catalogue (msgfmt)"
    with translation.override("en"):
        for context, msgid, msgstr in singles:
            assert msgstr and not re.search(r"[\u4e00-\u9fff]", msgstr), msgid
            # an earlier app's catalogue may hold the same message: English either way
            served = pgettext(context, msgid) if context else gettext(msgid)
            assert not re.search(r"[\u4e00-\u9fff]", served), msgid


def test_account_pages_in_english(client, db):
    from accounts.models import Role, RoleAssignment
    from tests.factories import UserFactory, make_region_tree

    tree = make_region_tree()
    staff = UserFactory()
    RoleAssignment.objects.create(user=staff, role=Role.COUNTY_STAFF, region=tree.counties[0])
    client.force_login(staff)
    client.cookies["django_language"] = "en"
    for url in ("/accounts/users/", "/accounts/users/new/", "/accounts/two-factor/"):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert any(word in html for word in ("User accounts", "New account", "Two-factor")), url
