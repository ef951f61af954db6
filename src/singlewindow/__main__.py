"""``python -m singlewindow``."""

from singlewindow.cli.main import app

app()
