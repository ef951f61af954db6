"""Portal views, one module per area (``session`` for sign-in and the shell)."""
