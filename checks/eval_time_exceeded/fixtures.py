from checks.fixture_kit import Fixture, old_log, standard_files
from pgolf.findings import Status

FIXTURES = [
    Fixture("2026-04-29_fits", Status.PASS, standard_files(), "429.5 s phased TTT"),
    Fixture(
        "2026-04-30_pr2018",
        Status.FAIL,
        standard_files(per_seed={42: {"eval_time_ms": 639926}}),
        "#2018: eval_time 639,926 ms",
    ),
    Fixture(
        "2026-04-30_pr2018_nonrecord",
        Status.WARN,
        standard_files(per_seed={42: {"eval_time_ms": 639926}}),
        "the same on the non-record track: open question B.5",
        track="track_non_record_16mb",
    ),
    Fixture(
        "2026-03-23_summed_passes",
        Status.WARN,
        standard_files(
            {1337: 1.1192},
            log=old_log,
            log_kwargs={"after_stop": ["legal_ttt val_loss:1.8900 val_bpb:1.1192 eval_time:540000ms"]},
        ),
        "the scored pass fits but roundtrip + sliding + TTT exceed 600 s",
    ),
]
