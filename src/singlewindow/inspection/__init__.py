"""Joint inspection (一次查验、一次放行) and the port operator's events (docs/inspection.md)."""
