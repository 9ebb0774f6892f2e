"""Evaluation and resolution: durable_rules decides, the reference evaluator explains and
checks it on every decision, resolution turns fired rules into a decision, the
pre-check and the what-would-pass advice.

May import: engine.cases, engine.rules, engine.contract, engine.errors.
"""
