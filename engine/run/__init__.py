"""Running many inputs: batches (one input's failure never stops the rest), parallel
workers, progress on standard error, pydantic's plugin look-up skipped at the tool's start when
known to find nothing.

May import every package above; the surfaces (engine.cli, engine.serve) import it.
"""
