"""Per-document signals: syntax verdicts, quality, language id."""
