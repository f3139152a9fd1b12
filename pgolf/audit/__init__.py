"""Static audit of a submission's code: gather, decode, parse, and analyse; never import or run it.

Layers (docs/code-audit.md explains the design):
- `sources`: train_gpt.py and every code file it loads; self-extracting wrappers decoded by `wrappers`.
- `program`, `flow`, `scan`: an index of functions over Python's AST and a label (taint) fixpoint that
  says which values come from validation data, training data, targets, self-generated tokens.
- `trace`: the run's events (scores, updates, Hessian collection, artifact writes) in program order.
- `detect_*`: the shared detectors the PG4xx checks turn into findings.
"""
