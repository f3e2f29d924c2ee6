"""`story-analytics`: the console script. Each command is a thin caller of the library."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

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

# Optional packages and the extra that brings each one (see pyproject.toml).
OPTIONAL_MODULES = {
    "papermill": "notebooks",
    "nbclient": "notebooks",
    "ipykernel": "notebooks",
    "moto": "rehearsal",
    "cryptography": "rehearsal",
    "httpx": "rehearsal",
}


def friendly_errors(function: F) -> F:
    """Show a Story Analytics error as one red sentence and exit 2; never a traceback."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except StoryAnalyticsError as exc:
            error_console.print("[bold red]Error:[/] " + escape(str(exc)), highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except ModuleNotFoundError as exc:
            package = (exc.name or "").split(".")[0]
            extra = OPTIONAL_MODULES.get(package)
            if extra is None:
                raise
            error_console.print(
                f"[bold red]Error:[/] this command needs the optional package {package!r}: "
                + escape(f"install it with pip install 'storyanalytics[{extra}]'"),
                highlight=False,
                soft_wrap=True,
            )
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
    message = f"Database {redact_url(url)} is at schema revision [bold]{revision}[/]."
    console.print(message, soft_wrap=True, highlight=False)


@app.command("serve")
@friendly_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind; default HOST or 127.0.0.1.")] = None,
    port: Annotated[int | None, typer.Option(help="Port; default PORT or 8000.")] = None,
    reload: Annotated[bool, typer.Option(help="Restart when the code changes (development).")] = False,
) -> None:
    """Run the app: the API and the web app on one port (builds web/ first if needed)."""
    from storyanalytics.api import serve as server

    settings = load_settings()
    bind_host = host or settings.host
    bind_port = port or settings.port

    def say(text: str) -> None:
        console.print(text, highlight=False, soft_wrap=True)

    def warn(text: str) -> None:
        error_console.print(f"[yellow]Warning:[/] {text}", highlight=False, soft_wrap=True)

    server.prepare(settings, bind_host, say, warn)
    mode = "cloud" if settings.is_cloud else "local"
    say(f"Story Analytics ({mode} mode) on http://{bind_host}:{bind_port}  (API docs: /docs; Ctrl+C stops)")
    server.run(settings, bind_host, bind_port, reload=reload)


@app.command("migrate")
@friendly_errors
def migrate(
    bucket: Annotated[
        str | None,
        typer.Option(
            envvar="S3_BUCKET",
            show_default=False,
            help="The stack's bucket (or S3_BUCKET); read from the stack with --stack-name.",
        ),
    ] = None,
    stack_name: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            show_default=False,
            help="The deployed stack (with --region): its outputs give the bucket, the app's URL and admin "
            "email, and its secret the admin password. Explicit options win.",
        ),
    ] = None,
    database_url: Annotated[
        str,
        typer.Option(
            envvar="DATABASE_URL",
            show_default=False,
            help="Target PostgreSQL URL; better set DATABASE_URL so the password stays off the command line. "
            "Leave it out to have the app import the metadata (--app-url).",
        ),
    ] = "",
    data_dir: Annotated[Path, typer.Option(help="The local data folder.")] = Path("./data"),
    prefix: Annotated[str, typer.Option(envvar="S3_PREFIX", help="Key prefix inside the bucket.")] = "",
    endpoint_url: Annotated[str | None, typer.Option(envvar="AWS_ENDPOINT_URL", help="S3 endpoint.")] = None,
    region: Annotated[str | None, typer.Option(envvar="AWS_REGION", help="AWS region.")] = None,
    dry_run: Annotated[bool, typer.Option(help="Show what would be copied; write nothing.")] = False,
    merge: Annotated[bool, typer.Option(help="Add missing rows to a database that has some.")] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace files that differ in the bucket.")] = False,
    verify: Annotated[str, typer.Option(help="etag (fast), metadata or full (re-read all).")] = "etag",
    report: Annotated[Path, typer.Option(help="Where to write the JSON report.")] = Path(
        "migrate-report.json"
    ),
    share_with: Annotated[
        str | None,
        typer.Option(
            metavar="EMAIL",
            show_default=False,
            help="After the copy, make this cloud account (e.g. the stack's admin email) an owner of the "
            "local user's teams so it sees your local charts. Not read from ADMIN_EMAIL: granting access "
            "is always asked for explicitly.",
        ),
    ] = None,
    app_url: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            show_default=False,
            help="Without a database URL: the app's URL (the stack's AppUrl); the app, inside the VPC, "
            "imports the metadata, so its private database needs no tunnel. Needs --admin-email; the "
            "password comes from ADMIN_PASSWORD or a hidden prompt.",
        ),
    ] = None,
    admin_email: Annotated[
        str | None, typer.Option(metavar="EMAIL", show_default=False, help="With --app-url: an admin.")
    ] = None,
) -> None:
    """Copy a local install (files and metadata) into the cloud stack; safe to run again."""
    from storyanalytics.migrate import RichProgress, migrate_local_to_cloud, summary_table
    from storyanalytics.migrate.progress import outcome_lines

    if verify not in {"etag", "metadata", "full"}:
        raise typer.BadParameter("use etag, metadata or full", param_hint="--verify")
    target = None
    if stack_name:
        import boto3

        from storyanalytics.migrate.stack_target import migration_target

        region = region or boto3.session.Session().region_name  # AWS_DEFAULT_REGION or the profile's
        if not region:
            raise typer.BadParameter("--stack-name needs the stack's region", param_hint="--region")
        target = migration_target(region, stack_name, endpoint_url=endpoint_url, database_url=database_url)
        console.print(str(target), highlight=False, soft_wrap=True)
        bucket = bucket or target.bucket
    if not bucket:
        raise typer.BadParameter(
            "pass the bucket, or --stack-name to read it from the stack", param_hint="--bucket"
        )
    admin_password = None
    if not database_url and (app_url or target):
        app_url = app_url or (target.app_url if target else None)
        if target and not admin_email:  # the stack's admin, with the password from the stack's secret
            admin_email, admin_password = target.admin_email, target.admin_password()
        if not admin_email:
            raise typer.BadParameter("--app-url needs the admin's email", param_hint="--admin-email")
        admin_password = (
            admin_password
            or os.environ.get("ADMIN_PASSWORD")
            or typer.prompt(f"Password of {admin_email}", hide_input=True)
        )
    with RichProgress(console) as progress:
        result = migrate_local_to_cloud(
            data_dir,
            bucket,
            database_url,
            prefix=prefix,
            endpoint_url=endpoint_url,
            region=region,
            dry_run=dry_run,
            merge=merge,
            overwrite=overwrite,
            verify=verify,  # type: ignore[arg-type]
            report_path=report,
            on_progress=progress.callback,
            share_with=share_with,
            app_url=app_url,
            admin_email=admin_email,
            admin_password=admin_password,
        )
    console.print(summary_table(result.storage, result.metadata))
    for line in outcome_lines(result):
        console.print(line, highlight=False, soft_wrap=True)
    console.print(f"Report written to {report}.")
    if not result.ok:
        raise typer.Exit(1)


@app.command("deploy")
@friendly_errors
def deploy(
    aws: Annotated[bool, typer.Option("--aws", help="Deploy to your AWS account (the only target).")] = False,
    region: Annotated[
        str | None, typer.Option(envvar="AWS_REGION", help="AWS region, e.g. us-east-1.")
    ] = None,
    stack_name: Annotated[str, typer.Option(help="Name of the app stack.")] = "story-analytics",
    compute: Annotated[
        str | None,
        typer.Option(
            help="lambda (default for new stacks, cheapest), ecs-express or apprunner.", show_default=False
        ),
    ] = None,
    builder: Annotated[
        str,
        typer.Option(help="auto (local Docker if it answers, else AWS CodeBuild), local or codebuild."),
    ] = "auto",
    update: Annotated[bool, typer.Option("--update", help="Rebuild the image and roll the service.")] = False,
    destroy: Annotated[bool, typer.Option("--destroy", help="Delete the app stack; data is kept.")] = False,
    watch: Annotated[
        bool, typer.Option("--watch", help="Follow a deploy still in progress (after a time limit).")
    ] = False,
    delete_data: Annotated[
        bool, typer.Option("--delete-data", help="With --destroy: also delete the bucket and database.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Answer yes to every question (scripts).")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show checks, cost and changes; change nothing.")
    ] = False,
    admin_email: Annotated[str | None, typer.Option(help="Email of the first admin user.")] = None,
    db_instance_class: Annotated[str | None, typer.Option(help="RDS class, e.g. db.t4g.micro.")] = None,
    cpu: Annotated[
        str | None, typer.Option(help="Service CPU units (e.g. 512 = 0.5 vCPU); a valid pair with --memory.")
    ] = None,
    memory: Annotated[
        str | None, typer.Option(help="Service memory in MiB (e.g. 1024); a valid pair with --cpu.")
    ] = None,
    enable_nat: Annotated[
        bool | None,
        typer.Option("--enable-nat/--no-nat", help="Internet access for the app (NAT, extra cost)."),
    ] = None,
    endpoint_azs: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=2,
            help="ECS Express: AZs for the VPC endpoints (1 is cheaper, 2 survives an AZ outage).",
        ),
    ] = None,
    domain: Annotated[
        str | None, typer.Option(help="Custom domain for published charts, e.g. charts.example.org.")
    ] = None,
    certificate_arn: Annotated[
        str | None,
        typer.Option(help="With --domain: an ACM certificate in us-east-1 (else one is requested)."),
    ] = None,
    endpoint_url: Annotated[
        str | None, typer.Option(help="AWS endpoint for emulators and tests.", hidden=True)
    ] = None,
    timeout_minutes: Annotated[int, typer.Option(min=1, help="Give up waiting after this long.")] = 60,
) -> None:
    """Deploy Story Analytics to your own AWS account, update it, or tear it down."""
    from storyanalytics.deploy import AwsDeployment, DeployError
    from storyanalytics.deploy.console import RichUi, deployment_panel, teardown_panel

    if not aws:
        raise typer.BadParameter("add --aws: AWS is the only deploy target", param_hint="--aws")
    if update and destroy:
        raise typer.BadParameter("use either --update or --destroy", param_hint="--update/--destroy")
    if watch and (update or destroy or dry_run):
        raise typer.BadParameter(
            "--watch only follows what is in progress; use it alone", param_hint="--watch"
        )
    if delete_data and not destroy:
        raise typer.BadParameter("--delete-data only goes with --destroy", param_hint="--delete-data")
    if builder not in {"auto", "local", "codebuild"}:
        raise typer.BadParameter("use auto, local or codebuild", param_hint="--builder")
    ui = RichUi(console, assume_yes=yes)
    deployment = AwsDeployment(
        region,
        stack_name,
        compute,
        endpoint_url=endpoint_url,
        ui=ui,
        assume_yes=yes,
        admin_email=admin_email,
        db_instance_class=db_instance_class,
        cpu=cpu,
        memory=memory,
        enable_nat=enable_nat,
        builder=builder,
        endpoint_azs=endpoint_azs,
        domain=domain,
        certificate_arn=certificate_arn,
        timeout=timeout_minutes * 60,
    )
    try:
        if watch:
            console.print(f"Stack {stack_name} is {deployment.watch()}.", highlight=False)
            return
        if destroy:
            console.print(teardown_panel(deployment.destroy(delete_data=delete_data)))
            return
        result = deployment.update(dry_run=dry_run) if update else deployment.deploy(dry_run=dry_run)
    except DeployError as exc:
        for line in exc.details:
            error_console.print(f"  [dim]{line}[/]", highlight=False, markup=False)
        raise
    console.print(deployment_panel(result))


@app.command("notebook")
@friendly_errors
def notebook(
    name: Annotated[str, typer.Argument(help="deploy, migrate or check.")],
    parameter: Annotated[
        list[str] | None,
        typer.Option("--parameter", "-p", help="A notebook parameter as name=value (repeat it)."),
    ] = None,
    runs_dir: Annotated[
        Path | None, typer.Option(help="Where the executed copy goes (default notebooks/runs/).")
    ] = None,
) -> None:
    """Run a runbook notebook with papermill; the executed copy (no secrets) lands in notebooks/runs/."""
    from storyanalytics.runbooks import parse_parameter_pairs, run_notebook

    run = run_notebook(name, parse_parameter_pairs(parameter or []), runs_dir=runs_dir)
    console.print(f"Notebook {name} ran. Executed copy: {run.output_path}", highlight=False, soft_wrap=True)


@app.command("lab")
@friendly_errors
def lab(
    notebooks_dir: Annotated[
        Path | None, typer.Option(help="Folder of the runbook notebooks (default notebooks/).")
    ] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default 8888).")] = None,
    browser: Annotated[bool, typer.Option("--browser/--no-browser", help="Open a browser tab.")] = True,
) -> None:
    """Open JupyterLab on the runbook notebooks, with a kernel that runs this environment's Python."""
    import os

    from storyanalytics.runbooks.lab import lab_command

    command = lab_command(notebooks_dir, port=port, open_browser=browser)
    os.execv(command[0], command)  # JupyterLab takes over this process (Ctrl+C stops it)


@app.command("check")
@friendly_errors
def check(
    region: Annotated[str, typer.Option(envvar="AWS_REGION", help="The region you deployed to.")],
    stack_name: Annotated[str, typer.Option(help="Name of the app stack.")] = "story-analytics",
    database_url: Annotated[
        str | None, typer.Option(help="Check the database directly (e.g. through a tunnel).")
    ] = None,
    endpoint_url: Annotated[
        str | None, typer.Option(help="AWS endpoint for emulators and tests.", hidden=True)
    ] = None,
) -> None:
    """Check a deployed stack: status, health URL, bucket, database, service, recent errors."""
    from storyanalytics.checks import check_stack
    from storyanalytics.runbooks import validate_region

    report = check_stack(
        validate_region(region), stack_name, endpoint_url=endpoint_url, database_url=database_url
    )
    report.show()
    report.raise_for_failures()


@app.command("publish")
@friendly_errors
def publish(
    sync: Annotated[
        bool, typer.Option("--sync", help="Write every published item to the edge (CDN), remove stale files.")
    ] = False,
) -> None:
    """Published charts on the edge: with --sync, make the CDN's files match the database."""
    from storyanalytics.publish.sync import run_sync

    if not sync:
        raise typer.BadParameter("say what to do: story-analytics publish --sync")
    settings = load_settings()
    report = run_sync(settings, say=lambda line: console.print(line, markup=False, highlight=False))
    for line in report.skipped:
        error_console.print("[yellow]Skipped:[/] " + escape(line), highlight=False, soft_wrap=True)
    console.print(f"Edge in sync: {report.summary()}.", highlight=False)


@app.command("rehearse")
@friendly_errors
def rehearse(
    compute: Annotated[str, typer.Option(help="lambda (the default), ecs-express or apprunner.")] = "lambda",
    builder: Annotated[
        str, typer.Option(help="local (Docker stand-in) or codebuild (CodeBuild stand-in).")
    ] = "local",
    runs_dir: Annotated[
        Path | None, typer.Option(help="Where the executed notebooks go (default notebooks/runs/).")
    ] = None,
) -> None:
    """REHEARSAL: deploy, migrate and check offline (moto, local PostgreSQL, the app); no AWS at all."""
    from storyanalytics.deploy.computes import get_compute
    from storyanalytics.rehearsal import run_rehearsal

    get_compute(compute)
    if builder not in {"local", "codebuild"}:
        raise typer.BadParameter("use local or codebuild", param_hint="--builder")
    run_rehearsal(
        compute=compute,
        builder=builder,
        runs_dir=runs_dir,
        say=lambda line: console.print(line, markup=False, highlight=False, soft_wrap=True),
    )


def main(argv: list[str] | None = None) -> None:
    app(args=argv if argv is not None else sys.argv[1:], prog_name="story-analytics")


if __name__ == "__main__":
    main()
