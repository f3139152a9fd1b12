"""The CI gate: judge a pull request to the records repository from git objects alone.

diff.py talks to git (one subprocess choke point), shape.py decides whether the change is one new
submission folder, schema.py validates its submission.json, gate.py puts it together, output.py
prints GitHub workflow commands and the step summary, precommit.py serves the pre-commit hook.
Nothing here checks out, imports or runs a pull request's files.
"""
