"""The reproduction report a reviewer decides from, and the evidence bundle behind it.

build.py        a run folder (or merged runs) -> RunReport (model.py): per seed, overall, checks
verdict.py      REPRODUCED / NOT REPRODUCED / INCOMPLETE, its reason and exit code (pure)
claimed.py      the submission's own logs and declared environment
environment.py  environment side by side, deviations from an official run
snapshot.py     the submission folder as run: git tree id and a copy in the run folder
plots.py        matplotlib figures as inline SVG (the `runner` extra)
html.py         report.html, self-contained;  markdown.py: report.md for a PR comment
bundle.py       the evidence archive and its verification;  merge.py: seeds from several machines
write.py        write report.{json,md,html} and the bundle into a run folder
"""
