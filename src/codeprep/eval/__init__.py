"""The fixed evaluation suite and the noise-aware comparison of model metrics (``codeprep compare``)."""
