"""Determination letters in, case files out: reading PDFs and text, the letter's structure
(header, credentials, items, guideline lines), and fact extraction with its evidence.

May import: engine.cases, engine.rules.editions (the period a cited edition applied),
engine.errors, engine.limits. Never the decision: extraction does not know the rules.
"""
