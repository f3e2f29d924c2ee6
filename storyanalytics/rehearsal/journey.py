"""REHEARSAL: the whole cloud journey on this machine, through the same three notebooks a user runs.

moto stands in for AWS (with stand-ins for what it lacks), a fresh local PostgreSQL database for RDS,
and the real app, started in cloud mode over HTTPS, for the service. Every line it prints is labelled.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from storyanalytics.deploy.computes import DEFAULT_COMPUTE
from storyanalytics.rehearsal.infra import (
    FAKE_AWS_CREDENTIALS,
    LocalAppLauncher,
    MotoEndpoint,
    RehearsalDatabase,
    RehearsalError,
    make_certificate,
    require_loopback,
)
from storyanalytics.rehearsal.sample import SampleData, make_sample_data
from storyanalytics.rehearsal.standins import set_launcher
from storyanalytics.rehearsal.standins.cdn import serve_distributions, stop_distributions
from storyanalytics.runbooks import NotebookRun, run_notebook
from storyanalytics.runbooks.steps import REHEARSAL_ENDPOINT_ENV, REHEARSAL_LABEL

PREFIX = "REHEARSAL | "
DEFAULT_STACK = "story-analytics-rehearsal"
DEFAULT_REGION = "us-east-1"
ADMIN_EMAIL = "admin@example.org"


class Rehearsal:
    """Set up the offline cloud, run notebooks against it, tear it down (keeping the executed notebooks).

    >>> with Rehearsal() as rehearsal:
    ...     runs = rehearsal.run_all()
    """

    def __init__(
        self,
        *,
        compute: str = DEFAULT_COMPUTE,
        builder: str = "local",
        region: str = DEFAULT_REGION,
        stack_name: str = DEFAULT_STACK,
        runs_dir: Path | None = None,
        notebooks_dir: Path | None = None,
        postgres_admin_url: str | None = None,
        say: Callable[[str], None] = print,
    ) -> None:
        self.compute = compute
        self.builder = builder
        self.region = region
        self.stack_name = stack_name
        self.runs_dir = runs_dir
        self.notebooks_dir = notebooks_dir
        self._say = say
        self.workdir = Path(tempfile.mkdtemp(prefix="story-analytics-rehearsal-"))
        self.moto = MotoEndpoint()
        self.database = RehearsalDatabase(postgres_admin_url)
        self.launcher: LocalAppLauncher | None = None
        self.sample: SampleData | None = None
        self.runs: list[NotebookRun] = []
        self.endpoint_url = ""
        self.certificate: Path | None = None
        self._previous_launcher: Any = None
        self._database_created = False

    # --- output ----------------------------------------------------------------------------------------
    def say(self, message: str) -> None:
        for line in message.splitlines() or [""]:
            self._say(PREFIX + line)

    # --- lifecycle -------------------------------------------------------------------------------------
    def __enter__(self) -> Rehearsal:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        self.say("=" * 72)
        self.say(f"{REHEARSAL_LABEL}")
        self.say("AWS is emulated by moto on 127.0.0.1; RDS is a local PostgreSQL database;")
        self.say("the service is this app started locally in cloud mode. Nothing leaves this machine.")
        self.say("=" * 72)
        self.endpoint_url = require_loopback(self.moto.start())
        self.say(f"AWS emulator: {self.endpoint_url}")
        self.database.create()
        self._database_created = True
        self.say(f"Database standing in for RDS: {self.database.name} (local PostgreSQL)")
        cert, key = make_certificate(self.workdir / "tls")
        self.certificate = cert
        self.launcher = LocalAppLauncher(
            endpoint_url=self.endpoint_url,
            database=self.database,
            certificate=(cert, key),
            log_dir=self.workdir / "logs",
        )
        self._previous_launcher = set_launcher(self.launcher)
        serve_distributions(self.endpoint_url, (cert, key))
        self.sample = make_sample_data(self.workdir / "local-data")
        self.say(f"Sample local data folder: {self.sample.data_dir} (chart {self.sample.title!r})")

    def close(self) -> None:
        stop_distributions()
        if self.launcher is not None:
            self.launcher.stop_all()
            set_launcher(self._previous_launcher)
            self.launcher = None
        self.moto.stop()
        if self._database_created:
            self.database.drop()
            self._database_created = False
            self.say(f"Dropped database {self.database.name}; stopped the emulator and the local app.")
        shutil.rmtree(self.workdir, ignore_errors=True)

    # --- the notebooks ---------------------------------------------------------------------------------
    def environment(self) -> dict[str, str | None]:
        """What the notebook kernel sees: only the emulator, fake credentials, the rehearsal's certificate."""
        env: dict[str, str | None] = {name: None for name in os.environ if name.startswith("AWS_")}
        env.update(FAKE_AWS_CREDENTIALS)
        env.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint_url,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_REGION": self.region,
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "SSL_CERT_FILE": str(self.certificate) if self.certificate else None,
                REHEARSAL_ENDPOINT_ENV: self.endpoint_url,
                "DATABASE_URL": None,
            }
        )
        return env

    def known_secrets(self) -> set[str]:
        secrets = set(self.launcher.known_secrets if self.launcher else ())
        secrets.update(FAKE_AWS_CREDENTIALS.values())
        return secrets

    def common_parameters(self) -> dict[str, Any]:
        return {"region": self.region, "stack_name": self.stack_name, "endpoint_url": self.endpoint_url}

    def run(self, name: str, **parameters: Any) -> NotebookRun:
        """Run one notebook against the emulated stack; raises NotebookFailed like any run."""
        self.say(f"Running notebook {name} ...")
        try:
            run = run_notebook(
                name,
                {**self.common_parameters(), **parameters},
                notebooks_dir=self.notebooks_dir,
                runs_dir=self.runs_dir,
                env=self.environment(),
                known_secrets=self.known_secrets(),
                progress_bar=False,
            )
        except Exception as exc:
            self.say(f"Notebook {name} failed: {exc}")
            raise
        self.runs.append(run)
        self.say(f"Notebook {name} passed: {run.output_path}")
        return run

    def deploy(self) -> NotebookRun:
        return self.run("deploy", compute=self.compute, builder=self.builder, admin_email=ADMIN_EMAIL)

    def migrate(self) -> NotebookRun:
        assert self.sample is not None
        # The user's path: no database URL, so the app (inside the "VPC") imports the metadata.
        return self.run("migrate", data_dir=str(self.sample.data_dir), database_url="")

    def check(self) -> NotebookRun:
        return self.run("check", database_url=self.database.url)

    def run_all(self) -> list[NotebookRun]:
        runs = [self.deploy(), self.migrate(), self.check()]
        self.say("All three notebooks ran. Executed copies:")
        for run in runs:
            self.say(f"  {run.output_path}")
        return runs

    # --- what tests and the final summary look at ----------------------------------------------------------
    def client(self, service: str) -> Any:
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=FAKE_AWS_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=FAKE_AWS_CREDENTIALS["AWS_SESSION_TOKEN"],
        )

    def outputs(self) -> dict[str, str]:
        stack = self.client("cloudformation").describe_stacks(StackName=self.stack_name)["Stacks"][0]
        return {item["OutputKey"]: item.get("OutputValue", "") for item in stack.get("Outputs", [])}

    def admin_credentials(self) -> tuple[str, str]:
        """(email, password) from the stack's secret on the emulator; never printed."""
        outputs = self.outputs()
        secret = self.client("secretsmanager").get_secret_value(SecretId=outputs["AdminPasswordSecretArn"])
        return outputs.get("AdminEmail", ADMIN_EMAIL), str(secret["SecretString"])

    def fetch_chart(self, chart_id: str) -> dict[str, Any]:
        """GET /api/charts/<id> through the service URL, signed in as the admin."""
        import ssl
        import urllib.request

        url = self.outputs()["AppUrl"].rstrip("/")
        context = ssl.create_default_context(cafile=str(self.certificate))
        email, password = self.admin_credentials()
        login = urllib.request.Request(
            f"{url}/api/auth/login",
            data=json.dumps({"email": email, "password": password}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(login, timeout=15, context=context) as response:
            token = json.loads(response.read())["access_token"]
        request = urllib.request.Request(
            f"{url}/api/charts/{chart_id}", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=15, context=context) as response:
            return dict(json.loads(response.read()))

    def confirm_chart_served(self) -> None:
        assert self.sample is not None
        chart = self.fetch_chart(self.sample.chart_id)
        if chart.get("title") != self.sample.title:
            raise RehearsalError(f"REHEARSAL: the cloud URL served the wrong chart: {chart.get('title')!r}")
        self.say(
            f"The chart made in local mode ({self.sample.title!r}) is served by {self.outputs()['AppUrl']}."
        )


def run_rehearsal(
    *,
    compute: str = DEFAULT_COMPUTE,
    builder: str = "local",
    runs_dir: Path | None = None,
    say: Callable[[str], None] = print,
) -> list[NotebookRun]:
    """The whole journey: deploy, migrate the sample folder, check; prints where the notebooks are."""
    with Rehearsal(compute=compute, builder=builder, runs_dir=runs_dir, say=say) as rehearsal:
        runs = rehearsal.run_all()
        rehearsal.confirm_chart_served()
        rehearsal.say("Done. Nothing was created in AWS.")
        return runs
