"""Transport declarations: calls of ships, aircraft, vehicles and trains; manifests;
persons and dangerous goods; reconciliation and goods-declaration prefill (docs/transport.md)."""
