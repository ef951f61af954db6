"""Data migrations fill what they add for rows already stored (SQLite; the SQL is portable)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from singlewindow.migrate import upgrade


def test_declaration_search_keys_are_backfilled(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0011_time_release")
    engine = sa.create_engine(url)
    now = "2026-11-29 10:00:00.000000"
    rows = [
        ("d1", {"head": {"traf_name": "UN9321483"}, "free_text": {"voy_no": "045e"}}),
        ("d2", {"head": {"traf_name": "Cosco  Shipping Aries"}}),
        ("d3", {"lines": []}),
    ]
    with engine.begin() as conn:
        for did, document in rows:
            conn.execute(
                sa.text(
                    "INSERT INTO declaration (id, created_at, doc_type, declarant_code, "
                    "client_ref, content_digest, ie_flag, status, document, updated_at) "
                    "VALUES (:id, :at, 'goods_declaration', 'T', :id, '0', 'I', 'submitted', "
                    ":doc, :at)"
                ),
                {"id": did, "at": now, "doc": json.dumps(document)},
            )
    upgrade(url)
    with engine.connect() as conn:
        keys = conn.execute(
            sa.text("SELECT id, vessel_key, voyage_no FROM declaration ORDER BY id")
        ).all()
        documents = conn.execute(sa.text("SELECT document FROM declaration ORDER BY id")).all()
    engine.dispose()
    assert [tuple(k) for k in keys] == [
        ("d1", "9321483", "045E"),
        ("d2", "COSCO SHIPPING ARIES", None),
        ("d3", None, None),
    ]
    assert [json.loads(d[0]) for d in documents] == [doc for _, doc in rows]  # documents unchanged
