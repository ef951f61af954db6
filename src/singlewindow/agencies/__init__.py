"""The department-end interface: receipts and decisions; simulated agencies for demo and tests."""
