"""The rulebook: rule files loaded and validated into an intermediate representation,
compiled for durable_rules, linted; and the guideline editions' periods.

May import: engine.cases, engine.errors, engine.limits.
"""
