"""codeprep: a reproducible DVC pipeline that prepares web-code training data for a small code model."""

__version__ = "0.1.0"
