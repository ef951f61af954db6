"""Tests of the signing context (certificates, signatures, receipts)."""
