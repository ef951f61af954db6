"""The ``singlewindow`` command line (Typer + Rich)."""
