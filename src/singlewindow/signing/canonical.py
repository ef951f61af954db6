"""The exact bytes that are signed: RFC 8785 JSON, and exclusive C14N of a DecMessage.

JSON: the signed bytes are the RFC 8785 (JCS) serialisation of one object that wraps the
content under a key naming its kind (``document`` for a declaration, ``receipt`` for a platform
receipt), next to the signature's own metadata (everything in the envelope except ``value``,
with ``certificate`` as the SHA-256 fingerprint). The wrapping key separates the two kinds, so a
declaration signature can never pass as a receipt signature or the other way round.

XML: exclusive XML canonicalisation 1.0 without comments (``http://www.w3.org/2001/10/xml-exc-c14n#``)
of the whole ``DecMessage`` element after the text of ``DecSign/Sign`` has been emptied (the
"enveloped signature" idea of XML-DSig, on this one element). Comments and processing
instructions are dropped by the safe parser before canonicalisation, so they are not signed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import rfc8785
from lxml import etree

from singlewindow.signing import errors as err


def jcs(value: Any, path: str = "/document") -> bytes:
    """RFC 8785 bytes of a JSON value. ``Decimal`` (how the API parses JSON numbers) becomes
    an IEEE double, as RFC 8785 §3.2.2.3 prescribes. Raises 422
    ``document_not_canonicalisable`` for NaN/infinity, integers beyond ±2^53 and non-JSON types."""
    try:
        return rfc8785.dumps(_plain(value))
    except (rfc8785.CanonicalizationError, ValueError, TypeError, RecursionError) as exc:
        raise err.not_canonicalisable(path, str(exc)[:200]) from None


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def signing_input(kind: str, content: Any, metadata: dict[str, str]) -> bytes:
    """JCS of ``{kind: content, **metadata}`` (``metadata`` never has a key named ``kind``)."""
    if kind in metadata:
        raise ValueError(f"metadata may not contain {kind!r}")
    return jcs({kind: content, **metadata}, path=f"/{kind}")


def exclusive_c14n(root: etree._Element) -> bytes:
    """Exclusive C14N 1.0, without comments, of ``root``."""
    return bytes(etree.tostring(root, method="c14n", exclusive=True, with_comments=False))
