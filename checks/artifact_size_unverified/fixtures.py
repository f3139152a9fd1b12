from checks.fixture_kit import CLEAN_SCRIPT, Fixture, old_log, standard_files
from pgolf.findings import Status

_big_script = CLEAN_SCRIPT + "# padding\n" * 8_000  # ~88 KB of shipped code
_SHIM = 'exec(open(__file__.replace("train_gpt.py", "train_impl.py")).read())\n'


def _shim_folder(model_bytes: int) -> dict[str, str | bytes]:
    """train_gpt.py execs an ~88 KB helper; the old-format logs count only the shim's raw bytes."""
    shim_bytes = len(_SHIM.encode())
    kwargs = {"model_bytes": model_bytes, "total_bytes": model_bytes + shim_bytes}
    files = standard_files({1337: 1.1192}, log=old_log, log_kwargs=kwargs)
    for name, text in list(files.items()):
        if isinstance(text, str) and name.endswith(".log"):
            files[name] = text.replace("Code size: 67017 bytes", f"Code size: {shim_bytes} bytes")
    return {**files, "train_gpt.py": _SHIM, "train_impl.py": _big_script}


FIXTURES = [
    Fixture("2026-04-29_fits", Status.PASS, standard_files(), "small script + 15.92 MB model"),
    Fixture(
        "2026-04-29_estimate_only",
        Status.WARN,
        {
            **standard_files(log_kwargs={"model_bytes": 15_960_000, "total_bytes": 15_991_385}),
            "train_gpt.py": _big_script,
        },
        "fits only with the estimated (minified) code size",
    ),
    Fixture(
        "2026-04-29_shipped_blob_over",
        Status.FAIL,
        {**standard_files(), "final_model.int6.ptz": b"\x00" * 16_000_001},
        "a shipped model file alone exceeds the cap",
    ),
    Fixture(
        "2026-04-06_exec_shim_over",
        Status.FAIL,
        _shim_folder(15_950_000),
        "the log counts the 69-byte shim only; with the exec'd helper the artifact is over the cap (D17)",
    ),
    Fixture(
        "2026-04-06_exec_shim_fits",
        Status.WARN,
        _shim_folder(15_800_000),
        "the helper fits, but the logged code size leaves it out: say so",
    ),
]
