"""Running many inputs: batches (one input's failure never stops the rest), parallel
workers, progress on standard error, no pydantic plugin in the tool's process.

May import every package above; the surfaces (engine.cli, engine.serve) import it.
"""
