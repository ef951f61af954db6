"""Versioned code tables (国别, 币制, 关区, 监管方式, HS…): data, loading, lookup and API."""
