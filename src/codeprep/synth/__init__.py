"""Synthetic instruction data: templates, AST mutations, teacher generation."""
