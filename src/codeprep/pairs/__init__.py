"""Code-comment pairs: JSDoc-documented functions, methods and classes extracted from the corpus in
the CodeSearchNet record schema, and readers for published CodeSearchNet files."""
