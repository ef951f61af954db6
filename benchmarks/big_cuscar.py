"""Writes a large CUSCAR interchange for the batch-import memory check.

    python -m benchmarks.big_cuscar OUT.edi --megabytes 1024 [--consignments 20]

The file is written as a stream (one message at a time): every message is the same valid
MT1101 manifest under its own UNH reference, so the file validates (``--dry-run``) however
large it is. Then:

    /usr/bin/time -v .venv/bin/singlewindow import OUT.edi --party CODE --dry-run --json

reports the peak RSS ("Maximum resident set size") of reading and validating all of it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from singlewindow.standards.documents.transport_samples import container_number, sample_manifest
from singlewindow.standards.edifact import cuscar
from singlewindow.standards.edifact.writer import write_interchange


def _template(consignments: int) -> tuple[str, str, str]:
    """(UNB header, one message with ``{ref}`` for its reference, UNZ with ``{count}``)."""
    bills = [f"BIGCUSCAR{n:06d}" for n in range(consignments)]
    doc = sample_manifest(
        "MT1101",
        bill_nos=bills,
        containers=[container_number(f"BIGU{n:06d}") for n in range(consignments)],
        journey_id="BIG001E",
        client_ref="BIG-CUSCAR",
    )
    text = write_interchange(
        [cuscar.manifest_segments(doc)],
        message=cuscar.MESSAGE,
        sender="BIGCARRIER",
        recipient="SWGD",
        reference="BIG1",
        line_breaks=True,
    )
    start, end = text.index("UNH+1+"), text.index("UNZ+")
    unt = text.rindex("UNT+", start, end)
    unt_count = text[unt + 4 : text.index("+", unt + 4)]
    message = text[start:unt].replace("UNH+1+", "UNH+{ref}+", 1) + f"UNT+{unt_count}+{{ref}}'\n"
    return text[:start], message, "UNZ+{count}+BIG1'\n"


def write(path: Path, megabytes: int, consignments: int) -> int:
    header, message, trailer = _template(consignments)
    target = megabytes * 1024 * 1024
    written, count = 0, 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header)
        written += len(header)
        while written < target:
            count += 1
            chunk = message.replace("{ref}", str(count))
            out.write(chunk)
            written += len(chunk)
        out.write(trailer.replace("{count}", str(count)))
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--megabytes", type=int, default=1024)
    parser.add_argument("--consignments", type=int, default=20)
    args = parser.parse_args()
    count = write(args.out, args.megabytes, args.consignments)
    print(f"{args.out}: {count} messages, {args.out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
