"""`pgolf explain`, `pgolf list-checks`, `pgolf schema`: the catalogue and schemas as text."""

from __future__ import annotations

import json
from importlib import resources

import click

from pgolf.catalogue import CheckInfo, load_doc
from pgolf.engine import all_checks
from pgolf.errors import UsageError
from pgolf.schemas import SCHEMAS, schema_text


@click.command("list-checks")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_checks(fmt: str) -> int:
    """List every check: code, slug, rule id, kind, lifecycle."""
    rows = [CheckInfo.row(c) for c in all_checks()]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        click.echo(f"{r['code']}  {r['slug']:<36} {r['rule']:<26} {r['kind']:<9} {r['lifecycle']}")
    return 0


@click.command()
@click.argument("name")
def explain(name: str) -> int:
    """Print the documentation of a check (by code, slug or rule id), or of a topic: `timeline`
    (dated rulings, grandfathering) or `log-selection` (which logs a check judges)."""
    wanted = name.lower()
    topic = TOPICS.get(wanted)
    if topic is not None:
        click.echo(_topic(topic), nl=False)
        return 0
    matches = [c for c in all_checks() if wanted in {c.code.lower(), c.slug.lower(), c.rule.lower()}]
    if not matches:
        topics = ", ".join(sorted(set(TOPICS.values())))
        raise UsageError(f"no check, rule or topic named {name!r} (see `pgolf list-checks`; topics: {topics})")
    docs = [
        f"{c.code} {c.slug} [{c.rule}, {c.kind}, {c.lifecycle} since {c.since}]\n\n{load_doc(c)}{_rulings(c.rule)}"
        for c in matches
    ]
    click.echo("\n\n".join(docs))
    return 0


# Topics shared by many checks; the text is the README's section of the same title (drift-tested).
TOPICS = {
    "timeline": "timeline",
    "rulings": "timeline",
    "log-selection": "log-selection",
    "logs": "log-selection",
}


def topic_text(topic: str) -> str:
    return resources.files("pgolf.resources").joinpath("topics", f"{topic}.md").read_text("utf-8")


def _topic(topic: str) -> str:
    text = topic_text(topic)
    if topic == "timeline":
        text += _all_rulings()
    return text


def _all_rulings() -> str:
    from pgolf.ruleset import load_ruleset

    ruleset = load_ruleset()
    rules = sorted({r.rule for r in ruleset.rulings.values()})
    return "".join(_rulings(rule).replace("## Rulings (", f"## {rule} rulings (", 1) for rule in rules)


def _rulings(rule: str) -> str:
    """The dated rulings the ruleset holds for a rule: how the timeline judges submissions by date."""
    from pgolf.ruleset import load_ruleset

    ruleset = load_ruleset()
    found = [r for r in ruleset.rulings.values() if r.rule == rule]
    if not found:
        return ""
    lines = [f"\n## Rulings (ruleset {ruleset.id})"]
    for r in sorted(found, key=lambda r: r.date):
        applies = (
            "applies to earlier submissions too (retroactive)"
            if r.retroactive
            else "submissions dated before it are grandfathered (WARN)"
        )
        stated = "stated by the README" if r.in_readme else "not in the README: at most WARN under `readme`"
        lines.append(f"- {r.id} ({r.date.isoformat()}): {r.summary}. {r.source}. {applies}; {stated}.")
    return "\n".join(lines) + "\n"


@click.command()
@click.argument("name", type=click.Choice(sorted(SCHEMAS)))
def schema(name: str) -> int:
    """Print a JSON Schema (the committed copy, drift-tested against the models)."""
    click.echo(schema_text(name), nl=False)
    return 0
