"""The case: what a request and its clinical facts are, before any rule reads them.

Holds the vocabulary (services, categories, enums), the case-file models and their
validation, reading case files with line numbers, the service and drug taxonomy, the
structured guideline citations, the fact table (every fact the rules read, its words and the
case fields it is computed from) and the fact document the rules read.

May import: engine.errors, engine.limits. Nothing from letters, rules, decide, reports, run.
"""
