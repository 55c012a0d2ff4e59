"""Helpers of the probes that read every response's body (the permission matrix's body
probe, the masking scan): what a response says as text, whatever its format, and every
representation the REST API answers a route in."""

from __future__ import annotations

import contextlib
import io
import json

from django.urls import Resolver404, resolve

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def body_text(response) -> str:
    """The text a user gets: HTML/JSON decoded, an Excel workbook's cells, a PDF's text."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if kind.startswith(XLSX):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content))
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
        )
    if kind.startswith("application/pdf"):
        from pypdf import PdfReader

        # reportlab's CJK text comes back with spaces between some characters
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
        return text + "\n" + text.replace(" ", "")
    text = content.decode("utf-8", errors="replace")
    if kind.startswith("application/json"):
        # JSON may escape non-ASCII or slashes: search the parsed values too
        with contextlib.suppress(ValueError):
            text += "\n" + json.dumps(json.loads(text), ensure_ascii=False)
    return text


def _resolves(path: str) -> bool:
    try:
        resolve(path.split("?")[0])
    except Resolver404:
        return False
    return True


def api_variants(url: str) -> list[tuple[str, dict]]:
    """(url, extra headers) for every representation of an API route: plain, ``?format=api``
    and each format suffix the router adds (``.json``, ``.api``). (``Accept: text/html``
    picks the same renderer as ``?format=api``.)"""
    path, _, query = url.partition("?")
    joiner = "&" if query else "?"
    variants = [(url, {}), (f"{url}{joiner}format=api", {})]
    stem = path[:-1] if path.endswith("/") and not path.endswith("v1/") else path
    for suffix in ("json", "api"):
        candidate = f"{stem}.{suffix}" + (f"?{query}" if query else "")
        if _resolves(candidate):
            variants.append((candidate, {}))
    return variants
