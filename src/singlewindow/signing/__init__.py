"""Signing certificates (一卡多证), detached declaration signatures and signed receipts."""
