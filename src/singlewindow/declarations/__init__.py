"""The filing lifecycle common to all document types (goods declarations first)."""
