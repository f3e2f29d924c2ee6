"""A small Dockerfile reader: its stages, and the images it pulls in (FROM bases, `COPY --from=` images).

The stand-in bases are made under exactly the names read here, so the real Dockerfile builds unchanged as
its base names and copied images change.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

DOCKERFILE = Path(__file__).resolve().parents[2] / "Dockerfile"


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [rest for key, rest in self.instructions if key == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for rest in self.args("ENV"):
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                values[key] = value
        return values


@dataclass(frozen=True)
class ExternalImages:
    """Images named in the Dockerfile that are not its own stages."""

    bases: tuple[str, ...]
    # image -> the paths that `COPY --from=image SRC... DEST` copies out of it
    copied_from: dict[str, tuple[str, ...]] = field(default_factory=dict)


def logical_lines(text: str) -> list[str]:
    """Instructions with comments dropped, backslash continuations joined and spaces collapsed."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") or (not pending and not line):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(" ".join((pending + line).split()))
        pending = ""
    return lines


def read_dockerfile(path: Path = DOCKERFILE) -> list[Stage]:
    """Stages with their instructions (KEYWORD, rest); FROM flags such as --platform are dropped."""
    stages: list[Stage] = []
    for line in logical_lines(path.read_text(encoding="utf-8")):
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = [part for part in rest.split() if not part.startswith("--")]
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(base=parts[0], name=name))
        elif stages:
            stages[-1].instructions.append((keyword, rest))
        elif keyword != "ARG":
            raise ValueError(f"{path}: {keyword} before the first FROM")
    return stages


def exec_form(rest: str) -> list[str]:
    """A JSON-array (exec form) argument, the only form that passes signals straight to the process."""
    value = json.loads(rest)
    if not isinstance(value, list) or not all(isinstance(part, str) for part in value):
        raise ValueError(f"not an exec-form command: {rest}")
    return value


def external_images(dockerfile: Path = DOCKERFILE) -> ExternalImages:
    """The bases and copied-from images that are not stages of this Dockerfile."""
    stages = read_dockerfile(dockerfile)
    names = {stage.name for stage in stages if stage.name}
    bases = [stage.base for stage in stages if stage.base != "scratch" and stage.base not in names]
    copied: dict[str, list[str]] = {}
    for stage in stages:
        for rest in stage.args("COPY"):
            words = shlex.split(rest)
            source = next((w.split("=", 1)[1] for w in words if w.startswith("--from=")), None)
            if source is None or source in names or source.isdigit():
                continue
            copied.setdefault(source, []).extend([w for w in words if not w.startswith("--")][:-1])
    return ExternalImages(
        bases=tuple(dict.fromkeys(bases)),
        copied_from={image: tuple(paths) for image, paths in copied.items()},
    )
