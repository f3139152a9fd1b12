"""The reproduction runner: a pure planner (plan.py), two backends (local.py, docker.py) behind one
Protocol (backend.py), our own clocks (clock.py, phases.py), and atomic per-seed records (store.py).

Nothing is imported here, so `pgolf check` never pays for the runner.
"""
