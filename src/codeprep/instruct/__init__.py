"""Instruction data: OpenCodeInstruct reader, quality signals and the instruct stage."""
