"""The folder the runner puts first on a child's PYTHONPATH; see sitecustomize.py.

Never import `pgolf.runner.hook.sitecustomize` from pgolf itself: importing it installs the hook.
"""

from pathlib import Path

HOOK_DIR = Path(__file__).resolve().parent
