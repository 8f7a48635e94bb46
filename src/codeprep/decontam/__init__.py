"""Decontamination: remove training documents that contain evaluation data."""
