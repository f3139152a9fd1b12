"""The real challenge repository as test material: snapshot access (`snapshot`) and scans (`scan`).

`python -m pgolf.realrepo` (`make realrepo`) prints the figures: folders checked, failures by
rule per policy, crashes and `error` results, median and max time per folder.
"""
