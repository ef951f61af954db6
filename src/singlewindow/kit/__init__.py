"""Shared plumbing. Imports no domain package."""
