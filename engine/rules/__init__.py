"""The rulebook: rule files loaded and validated into an intermediate representation,
the one meaning of a rule (``semantics``), compiled for durable_rules, linted; and the guideline
editions' periods.

May import: engine.cases, engine.errors, engine.limits.
"""
