"""``python -m singlewindow``."""

from singlewindow.cli.main import main

main()
