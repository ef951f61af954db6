"""Forms generated from the document definitions (``standards.documents``)."""
