"""Single Window: an International Trade Single Window platform."""

__version__ = "0.1.0"
