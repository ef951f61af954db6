"""Language: Simplified Chinese by default, English on request; the catalogue of portal text.

The language is the ``sw_lang`` cookie (``zh`` or ``en``, set by ``/portal/lang/{lang}``),
else Chinese. Templates call ``t("key")`` for catalogue text and ``pick(zh, en)`` for text
that comes in both languages from elsewhere (code tables, document definitions, errors).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Literal

from starlette.requests import Request

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT: Lang = "zh"
COOKIE = "sw_lang"
HTML_LANG: dict[Lang, str] = {"zh": "zh-CN", "en": "en"}


def lang_of(request: Request) -> Lang:
    value = request.cookies.get(COOKIE)
    return "en" if value == "en" else DEFAULT


@cache
def catalogue() -> dict[str, tuple[str, str]]:
    """Every ``web/text/*.py`` module's ``TEXT``, merged; a key defined twice is an error."""
    from singlewindow.web import text

    merged: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(text.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{text.__name__}.{info.name}")
        for key, value in getattr(module, "TEXT", {}).items():
            if key in merged:
                raise RuntimeError(f"portal text key {key!r} is defined twice ({info.name})")
            merged[key] = value
    return merged


def translate(key: str, lang: Lang) -> str:
    """The text of ``key`` in ``lang``; an unknown key shows itself (and fails the catalogue
    test, which checks every key the templates use)."""
    pair = catalogue().get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]


def pick(zh: str | None, en: str | None, lang: Lang) -> str:
    """One of two given texts: the caller's language, else the other one."""
    first, second = (zh, en) if lang == "zh" else (en, zh)
    return first or second or ""
