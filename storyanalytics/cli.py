"""`story-analytics`: the console script. Each command is a thin caller of the library."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from storyanalytics.config import load_settings
from storyanalytics.errors import StoryAnalyticsError

app = typer.Typer(
    name="story-analytics",
    help="Story Analytics: make charts locally, deploy them to your own AWS account.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")

console = Console()
error_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(function: F) -> F:
    """Show a Story Analytics error as one red sentence and exit 2; never a traceback."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except StoryAnalyticsError as exc:
            error_console.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            error_console.print("[yellow]Interrupted.[/] Nothing half-written was left behind.")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


@db_app.command("upgrade")
@friendly_errors
def db_upgrade(
    database_url: Annotated[
        str | None, typer.Option(help="Database URL; defaults to DATABASE_URL or the local SQLite file.")
    ] = None,
) -> None:
    """Bring the database to the newest schema (safe to run again)."""
    from storyanalytics.db import redact_url, upgrade

    url = database_url or load_settings().resolved_database_url
    revision = upgrade(url)
    console.print(f"Database {redact_url(url)} is at schema revision [bold]{revision}[/].")


def main(argv: list[str] | None = None) -> None:
    app(args=argv if argv is not None else sys.argv[1:], prog_name="story-analytics")


if __name__ == "__main__":
    main()
