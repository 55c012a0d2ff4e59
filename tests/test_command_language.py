"""Management commands speak the reader's language: Chinese by default (LANGUAGE_CODE),
English with ``--language en``, their ``--help`` too."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout

import pytest
from django.core.management import ManagementUtility, call_command
from django.utils import translation

from liaison.management.commands.seed_demo import _model_label

CJK = re.compile(r"[\u4e00-\u9fff]")

pytestmark = pytest.mark.django_db


def _run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_commands_print_chinese_by_default_and_english_on_request():
    assert _run("prune_tombstones").startswith("已清理删除记录 ")
    english = _run("prune_tombstones", language="en")
    assert english.startswith("Pruned ") and not CJK.search(english)
    assert _run("prune_audit", "--days", "400").startswith("已删除 ")
    english = _run("prune_audit", "--days", "400", language="en")
    assert english.startswith("Deleted ") and not CJK.search(english)
    english = _run("load_calendar", "--years", "2040", "2040", "--weekdays-only", language="en")
    assert english.startswith("366 days written for 2040–2040") and not CJK.search(english)
    assert "已写入 366 天" in _run("load_calendar", "--years", "2040", "2040", "--weekdays-only")
    # the language was the command's only: the caller's is as it was
    assert translation.get_language() != "en"


def test_help_follows_the_language_argument():
    def help_of(*argv) -> str:
        out = io.StringIO()
        with redirect_stdout(out), pytest.raises(SystemExit):
            ManagementUtility(["manage.py", "run_jobs", *argv, "--help"]).execute()
        return out.getvalue()

    assert "运行周期任务" in help_of()
    english = help_of("--language", "en")
    assert "Run the periodic jobs" in english and "运行周期任务" not in english


def test_seed_counts_are_named_in_the_readers_language():
    assert _model_label("Deputy") == "人大代表"
    with translation.override("en"):
        assert not CJK.search(_model_label("Deputy"))
