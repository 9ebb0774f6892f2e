"""What the decisions are turned into: the audit metrics, text and CSV reports, the HTML
report, reviewer consistency, the results file.

May import: engine.cases, engine.rules, engine.decide, engine.contract, engine.errors.
"""
