"""`pgolf verify-bundle FILE`: recheck a reproduction's evidence archive (hashes, safety, verdict)."""

from __future__ import annotations

from pathlib import Path

import click

from pgolf.errors import EXIT_OK


@click.command("verify-bundle")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print what was verified as JSON")
def verify_bundle(bundle: Path, as_json: bool) -> int:
    """Exit 0 when every byte matches SHA256SUMS and the records give the report's verdict; 1 otherwise."""
    from pgolf.report.bundle import describe
    from pgolf.report.bundle import verify_bundle as verify

    check = verify(bundle)  # BundleInvalid: one line, exit 1
    if as_json:
        click.echo(describe(check))
    else:
        click.echo(
            f"{bundle}: verified {check.files} files of {check.name} run {check.run_id}; "
            f"verdict {check.recomputed.state} recomputed from its records\n"
            f"archive sha256 {check.archive_sha256}\nSHA256SUMS sha256 {check.sums_sha256}"
        )
    return EXIT_OK
