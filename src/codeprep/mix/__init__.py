"""Mixing the training tokens to the target language budget."""
