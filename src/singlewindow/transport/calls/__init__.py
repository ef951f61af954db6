"""Calls of transport means (ship, aircraft, vehicle, train): reports, projections, clearance."""
