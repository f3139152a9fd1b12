"""submission.json: a lenient reader for what participants wrote and a strict model for new PRs."""
