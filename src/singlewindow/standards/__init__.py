"""Standards: versioned code tables, document-type definitions, validators and message formats."""
