"""The clean stage's parts: the licence allow-list, cleaning rules (the "C" of the seed plan's CAT),
and secret/PII redaction."""
