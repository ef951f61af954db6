"""Parties: enterprises, agencies, port operators, platforms and peer windows; API keys."""
