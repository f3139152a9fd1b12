"""Log parsing: every era of Parameter Golf training/eval logs -> `ParsedLog`."""
