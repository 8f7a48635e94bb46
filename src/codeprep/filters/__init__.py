"""Filtering rules and the filter stage."""
