"""Renderers: a Report in, text out. The CLI prints what they return; nothing here prints."""

from __future__ import annotations

from collections.abc import Callable

from pgolf.findings import Report
from pgolf.render import github, markdown, text
from pgolf.render import json as json_render

Renderer = Callable[[Report], str]

RENDERERS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_render.render,
    "markdown": markdown.render,
    "github": github.render,
}
