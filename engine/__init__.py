"""Predicts California workers' compensation IMR decisions from MTUS criteria encoded as YAML rules."""

__version__ = "0.1.0"
