"""The base of the project's management commands: their messages go through gettext, in
``settings.LANGUAGE_CODE`` (Chinese) by default and in English with ``--language en``
(also for ``--help``, which is read before the arguments are parsed)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext_lazy as _


def _language_in(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--language" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--language="):
            return arg.split("=", 1)[1]
    return None


def _known(language: str | None) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    return language if language in codes else settings.LANGUAGE_CODE


class LocalizedCommand(BaseCommand):
    """A command whose help, messages and errors follow ``--language`` (zh-hans, en)."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)  # a lazy text, in the language now active (argparse needs a str)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help=_("输出语言（默认 %(default)s）") % {"default": settings.LANGUAGE_CODE},
        )
        return parser

    def run_from_argv(self, argv):
        with translation.override(_known(_language_in(argv))):
            return super().run_from_argv(argv)

    def execute(self, *args, **options):
        with translation.override(_known(options.get("language") or translation.get_language())):
            return super().execute(*args, **options)
