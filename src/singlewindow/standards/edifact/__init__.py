"""UN/EDIFACT read and write (ISO 9735 syntax via pydifact; message rules and mappings here).

* ``iter_messages`` / ``read_interchange`` — envelopes (UNA, UNB…UNZ, UNG…UNE, UNH…UNT),
  streaming in bounded memory, one ``Message`` or ``Rejection`` per message;
* ``iter_documents`` / ``read_documents`` — the same, mapped to canonical JSON by type:
  CUSCAR ``manifest``, CUSDEC ``goods_declaration``, BAPLIE ``container_list``, CUSRES
  ``agency_response``, APERAK ``acknowledgement``;
* writers: ``manifest_to_cuscar``, ``goods_declaration_to_cusdec``,
  ``container_list_to_baplie``, ``response_to_cusres``, ``acknowledgement_to_aperak``.

All messages are UN/EDIFACT directory D.95B. Finding paths and the implementation guide
(segments, qualifiers, what round-trips) are in ``README.md`` next to this file.
"""

from singlewindow.standards.edifact.aperak import (
    acknowledgement_to_aperak,
    aperak_to_acknowledgement,
    message_to_acknowledgement,
    rejection_to_acknowledgement,
)
from singlewindow.standards.edifact.baplie import (
    baplie_to_container_list,
    container_list_to_baplie,
)
from singlewindow.standards.edifact.cuscar import cuscar_to_manifest, manifest_to_cuscar
from singlewindow.standards.edifact.cusdec import (
    cusdec_to_goods_declaration,
    goods_declaration_to_cusdec,
)
from singlewindow.standards.edifact.cusres import cusres_to_response, response_to_cusres
from singlewindow.standards.edifact.detect import (
    DOCUMENT_TYPES,
    Parsed,
    iter_documents,
    parse_message,
    read_documents,
)
from singlewindow.standards.edifact.envelope import (
    Interchange,
    InterchangeHeader,
    Message,
    Rejection,
)
from singlewindow.standards.edifact.errors import EdifactError
from singlewindow.standards.edifact.reader import iter_messages, read_interchange
from singlewindow.standards.edifact.writer import encode_interchange, write_interchange

__all__ = [
    "DOCUMENT_TYPES",
    "EdifactError",
    "Interchange",
    "InterchangeHeader",
    "Message",
    "Parsed",
    "Rejection",
    "acknowledgement_to_aperak",
    "aperak_to_acknowledgement",
    "baplie_to_container_list",
    "container_list_to_baplie",
    "cuscar_to_manifest",
    "cusdec_to_goods_declaration",
    "cusres_to_response",
    "encode_interchange",
    "goods_declaration_to_cusdec",
    "iter_documents",
    "iter_messages",
    "manifest_to_cuscar",
    "message_to_acknowledgement",
    "parse_message",
    "read_documents",
    "read_interchange",
    "rejection_to_acknowledgement",
    "response_to_cusres",
    "write_interchange",
]
