"""The steps the runbook notebooks call: one function per notebook cell, no logic in the notebooks.

Each step shows what it did (tables, progress) and raises a StoryAnalyticsError with one clear sentence
when it cannot go on, so papermill stops at that cell. Nothing here prints a password: the admin
password stays in Secrets Manager and only the command that reveals it is shown.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from rich.console import Console

from storyanalytics.errors import StoryAnalyticsError
from storyanalytics.migrate.stack_target import MigrationTarget
from storyanalytics.migrate.stack_target import migration_target as stack_migration_target

# Set by the offline rehearsal to its own emulator's URL; the only way a notebook uses rehearsal parts.
REHEARSAL_ENDPOINT_ENV = "STORY_ANALYTICS_REHEARSAL_ENDPOINT"
REHEARSAL_LABEL = "REHEARSAL (offline, nothing is created in AWS)"


class StepError(StoryAnalyticsError):
    """A notebook step cannot go on; the message says what to do."""


def console() -> Console:
    """Plain text output that reads the same in JupyterLab, a terminal and a saved run."""
    return Console(force_jupyter=False, width=130, soft_wrap=True)


def _endpoint(endpoint_url: str | None) -> str | None:
    return endpoint_url.strip() or None if endpoint_url else None


def is_rehearsal(endpoint_url: str | None) -> bool:
    """True only when the rehearsal set its emulator's URL and this notebook points at that same URL."""
    endpoint = _endpoint(endpoint_url)
    expected = os.environ.get(REHEARSAL_ENDPOINT_ENV)
    if not endpoint or not expected or endpoint.rstrip("/") != expected.rstrip("/"):
        return False
    host = urlparse(endpoint).hostname or ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


# --- 01 deploy -----------------------------------------------------------------------------------------
def open_deployment(
    region: str,
    stack_name: str = "story-analytics",
    compute: str = "lambda",
    endpoint_url: str = "",
    admin_email: str = "",
    cpu: str = "",
    memory: str = "",
    builder: str = "auto",
) -> Any:
    """An AwsDeployment that shows its progress here; running a cell is the user's "yes"."""
    from storyanalytics.deploy import AwsDeployment
    from storyanalytics.deploy.console import RichUi

    out = console()
    extra: dict[str, Any] = {}
    if is_rehearsal(endpoint_url):
        from storyanalytics.rehearsal.codebuild import RehearsalCodeBuild
        from storyanalytics.rehearsal.images import RehearsalDockerRunner, build_context

        out.print(f"[bold yellow]{REHEARSAL_LABEL}[/]: AWS is emulated at {endpoint_url}.")
        emulator = str(_endpoint(endpoint_url))
        extra = {
            "runner": RehearsalDockerRunner(emulator, region),
            "project_dir": build_context(),
            "clients": {"codebuild": RehearsalCodeBuild(emulator, region)},
        }
    return AwsDeployment(
        region,
        stack_name,
        compute or None,
        endpoint_url=_endpoint(endpoint_url),
        ui=RichUi(out, assume_yes=True),
        assume_yes=True,
        admin_email=admin_email or None,
        builder=builder or "auto",
        cpu=cpu or None,
        memory=memory or None,
        **extra,
    )


def show_preflight(deployment: Any) -> None:
    """Credentials, region, compute and the image builder: stop here with the reason if one fails."""
    report = deployment.preflight()
    deployment.ui.preflight(report)
    report.raise_for_failures()


def show_cost(deployment: Any) -> None:
    deployment.ui.cost(deployment.estimate_cost())


def deploy(deployment: Any) -> Any:
    """Bootstrap stack, image build and push, app stack, with stack events as they happen."""
    from storyanalytics.deploy.console import deployment_panel

    result = deployment.deploy()
    console().print(deployment_panel(result))
    return result


def show_access(result: Any) -> None:
    """Where the app is and how to sign in; the password itself is never printed."""
    out = console()
    outputs = result.outputs
    out.print(f"Your app: [bold]{outputs.get('AppUrl', '(no URL yet)')}[/]")
    out.print(f"Admin email: {result.admin_email or outputs.get('AdminEmail', '(see the stack outputs)')}")
    if result.password_command:
        out.print("Admin password: run this in a terminal (it is not shown here on purpose):")
        out.print(f"  {result.password_command}", highlight=False)


# --- 02 migrate ----------------------------------------------------------------------------------------
def migration_target(
    region: str, stack_name: str = "story-analytics", *, endpoint_url: str = "", database_url: str = ""
) -> MigrationTarget:
    """The stack's bucket, and either `database_url` (e.g. an SSH tunnel) or, when it is empty, the
    stack's app (AppUrl), which imports the metadata from inside the VPC with the stack's admin."""
    target = stack_migration_target(
        region, stack_name, endpoint_url=_endpoint(endpoint_url), database_url=database_url
    )
    console().print(str(target), highlight=False)
    return target


def _app_import_options(target: MigrationTarget) -> dict[str, Any]:
    """The target's app options; reads the admin password from its secret.

    REHEARSAL only: the rehearsal's app has a self-signed certificate, trusted through the CA bundle
    the rehearsal sets (SSL_CERT_FILE); real stacks use the system's trust store.
    """
    verify_tls: bool | str = True
    if is_rehearsal(target.endpoint_url) and os.environ.get("SSL_CERT_FILE"):
        verify_tls = os.environ["SSL_CERT_FILE"]
        console().print(f"[bold yellow]{REHEARSAL_LABEL}[/]: trusting the rehearsal's own certificate.")
    return target.app_import_options(verify_tls)


def migrate(target: MigrationTarget, data_dir: str, *, dry_run: bool = False, merge: bool = True) -> Any:
    """Copy files and metadata with progress bars, then show the verification table."""
    from storyanalytics.migrate import MigrationError, RichProgress, migrate_local_to_cloud, summary_table
    from storyanalytics.migrate.progress import outcome_lines

    out = console()
    folder = Path(data_dir).expanduser().resolve()
    report_path = None if dry_run else folder.parent / "migrate-report.json"
    through_app = {} if target.database_url else _app_import_options(target)
    target.data_dir = str(folder)
    with RichProgress(out) as progress:
        report = migrate_local_to_cloud(
            folder,
            target.bucket,
            target.database_url,
            endpoint_url=target.endpoint_url,
            region=target.region,
            dry_run=dry_run,
            merge=merge,
            report_path=report_path,
            on_progress=progress.callback,
            **through_app,
        )
    out.print(summary_table(report.storage, report.metadata))
    for line in outcome_lines(report):
        out.print(line, highlight=False)
    if report_path is not None:
        out.print(f"The full report is in {report_path}.", highlight=False)
    if not report.ok:
        raise MigrationError("the migration did not verify: see the table above, then run this cell again.")
    return report


def share_local_charts_with_admin(
    target: MigrationTarget, admin_email: str = "", *, data_dir: str = ""
) -> list[str]:
    """Make the cloud admin an owner of the migrated local user's teams, so it sees those charts."""
    from storyanalytics.migrate import grant_admin_access

    email = admin_email or target.admin_email
    if target.database_url:
        added = grant_admin_access(target.database_url, email)
    else:
        added = _share_through_app(target, email, data_dir or target.data_dir)
    console().print(f"The admin now owns {len(added)} more team(s) with your local charts.")
    return added


def _share_through_app(target: MigrationTarget, email: str, data_dir: str) -> list[str]:
    """The app imports the local database again (merge: nothing is copied twice) and shares it."""
    from storyanalytics.migrate.checks import check_data_dir
    from storyanalytics.migrate.remote_import import import_metadata_via_app
    from storyanalytics.storage import S3StorageBackend

    if not data_dir:
        raise StepError("pass data_dir (your local data folder), or run the copy step first")
    folder = check_data_dir(data_dir)
    options = _app_import_options(target)
    body = import_metadata_via_app(
        options["app_url"],
        options["admin_email"],
        options["admin_password"],
        sqlite_path=folder / "metadata.db",
        storage=S3StorageBackend(target.bucket, endpoint_url=target.endpoint_url, region_name=target.region),
        share_with=email,
        verify_tls=options["verify_tls"],
    )
    return list(body.get("shared_teams") or [])


# --- 03 check ------------------------------------------------------------------------------------------
def open_checker(region: str, stack_name: str, *, endpoint_url: str = "", database_url: str = "") -> Any:
    from storyanalytics.checks import StackChecker

    if is_rehearsal(endpoint_url):
        console().print(f"[bold yellow]{REHEARSAL_LABEL}[/]: checking the emulated stack.")
    return StackChecker(
        region, stack_name, endpoint_url=_endpoint(endpoint_url), database_url=database_url.strip() or None
    )
