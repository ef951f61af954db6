"""XML message formats: safe parsing and the China customs DecMessage mapping."""

from __future__ import annotations

from singlewindow.standards.xml.decmessage import parse_decmessage, render_decmessage
from singlewindow.standards.xml.safe import parse_xml

__all__ = ["parse_decmessage", "parse_xml", "render_decmessage"]
