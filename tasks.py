"""invoke tasks: thin callers of the library and of the tools named in pyproject.toml."""

from __future__ import annotations

from invoke import Context, task


@task(help={"host": "Address to bind (default 127.0.0.1)", "port": "Port (default 8000)", "reload": "Dev"})
def serve(c: Context, host: str = "", port: int = 0, reload: bool = False) -> None:
    """Run the app locally: API + web app on one port (story-analytics serve)."""
    args = ["story-analytics", "serve"]
    if host:
        args += ["--host", host]
    if port:
        args += ["--port", str(port)]
    if reload:
        args.append("--reload")
    c.run(" ".join(args), pty=False)


# pytest's exit code when it found nothing to run: for a suite that must run, a failure, not a pass.
PYTEST_NO_TESTS_COLLECTED = 5


@task(help={"args": "Extra arguments for pytest, e.g. -k storage"})
def test(c: Context, args: str = "") -> None:
    """Run the whole test suite (PostgreSQL tests need the server at 127.0.0.1:5432, see README)."""
    from invoke.exceptions import Exit

    # Two workers (pytest-xdist), a test file each at a time: --dist loadfile keeps a file's tests, and so
    # its module fixtures (a browser), on one worker. The CI machine has two cores; the suite takes ~17 min
    # there instead of ~25 min serial.
    result = c.run(f"python -m pytest --timeout=900 -n 2 --dist loadfile {args}", pty=False, warn=True)
    if result is None or result.exited == 0:
        return
    if result.exited == PYTEST_NO_TESTS_COLLECTED:
        raise Exit("Error: pytest collected no tests: check the arguments and the tests/ folder.", code=5)
    raise Exit(code=result.exited)


@task
def lint(c: Context) -> None:
    """ruff (lint and format check) and mypy on the library."""
    c.run("ruff check .")
    c.run("ruff format --check .")
    c.run("mypy")


@task
def fmt(c: Context) -> None:
    """Format and auto-fix with ruff."""
    c.run("ruff format .")
    c.run("ruff check --fix .")


@task(
    help={
        "module": "deploy, checks or migrate (repeat it; default: all three, one after the other)",
        "minutes": "Time limit per module (default 60); a second run continues where it stopped",
        "report_only": "Only rewrite the reports in mutation-report/ from the last runs",
    },
    iterable=["module"],
)
def mutants(
    c: Context,
    module: list[str] | None = None,
    minutes: float = 60,
    report_only: bool = False,
    retry: bool = False,
) -> None:
    """Mutation testing (mutmut) of deploy, checks and migrate; reports in mutation-report/ (not CI)."""
    from invoke.exceptions import Exit

    if c.run("python -c 'import mutmut'", warn=True, hide=True).exited != 0:  # type: ignore[union-attr]
        raise Exit("Error: mutmut is not installed: pip install -e '.[mutation]'", code=2)
    args = [*(module or []), "--minutes", str(minutes), *(["--report-only"] if report_only else [])]
    args += ["--retry"] if retry else []
    c.run("python mutation/run.py " + " ".join(args), pty=False)


@task
def checkov_venv(c: Context) -> None:
    """Install checkov into its own .venv-checkov (it pins a `packaging` that clashes with the dev tools)."""
    c.run("python -m venv .venv-checkov")
    # Pinned: a new checkov release can add or change checks and turn CI red with no change of ours.
    c.run(".venv-checkov/bin/python -m pip install --quiet --upgrade pip 'checkov==3.3.30'")


def _cli_words(options: dict[str, str], switches: dict[str, bool]) -> list[str]:
    """Command-line words for a task's arguments: each option given a value, then each switch that is on."""
    words = [word for flag, value in options.items() if value for word in (flag, value)]
    return words + [flag for flag, on in switches.items() if on]


@task(
    help={
        "data_dir": "Local data folder (default ./data)",
        "bucket": "The stack's bucket (default: S3_BUCKET)",
        "prefix": "Key prefix inside the bucket",
        "dry_run": "Show what would be copied; write nothing",
        "merge": "Add missing rows to a database that already has some",
        "overwrite": "Replace files that differ in the bucket",
        "report": "Where to write the JSON report",
        "share_with": "Cloud account (e.g. the admin email) to make an owner of the local teams",
        "stack_name": "Read the bucket, app URL and admin (password from its secret) from this stack",
        "region": "AWS region of the stack, e.g. us-east-1",
    }
)
def migrate(
    c: Context,
    data_dir: str = "./data",
    bucket: str = "",
    stack_name: str = "",
    region: str = "",
    prefix: str = "",
    dry_run: bool = False,
    merge: bool = False,
    overwrite: bool = False,
    report: str = "migrate-report.json",
    share_with: str = "",
) -> None:
    """Copy the local install into the cloud stack (its app imports the metadata, or DATABASE_URL)."""
    import shlex

    args = ["story-analytics", "migrate", "--data-dir", data_dir, "--report", report]
    args += _cli_words(
        {
            "--bucket": bucket,
            "--stack-name": stack_name,
            "--region": region,
            "--prefix": prefix,
            "--share-with": share_with,
        },
        {"--dry-run": dry_run, "--merge": merge, "--overwrite": overwrite},
    )
    c.run(shlex.join(args), pty=False)


@task(
    help={
        "update": "Rebuild the image and roll the service to it",
        "destroy": "Delete the app stack (data is kept)",
        "delete_data": "With --destroy: also delete the bucket and the database",
        "region": "AWS region, e.g. us-east-1",
        "stack_name": "Name of the app stack",
        "compute": "lambda (default), ecs-express or apprunner",
        "builder": "auto (local Docker if it answers, else AWS CodeBuild), local or codebuild",
        "admin_email": "Email of the first admin (first deploy)",
        "yes": "Answer yes to every question",
        "dry_run": "Show checks, cost and changes; change nothing",
        "domain": "Custom domain for published charts, e.g. charts.example.org",
        "certificate_arn": "With --domain: an ACM certificate in us-east-1 (else one is requested)",
    }
)
def deploy(
    c: Context,
    update: bool = False,
    destroy: bool = False,
    delete_data: bool = False,
    region: str = "",
    stack_name: str = "story-analytics",
    compute: str = "",
    builder: str = "auto",
    admin_email: str = "",
    yes: bool = False,
    dry_run: bool = False,
    domain: str = "",
    certificate_arn: str = "",
) -> None:
    """Deploy to AWS (or --update / --destroy): the `story-analytics deploy --aws` command."""
    from storyanalytics.cli import main

    argv = ["deploy", "--aws", "--stack-name", stack_name, "--builder", builder]
    argv += _cli_words(
        {
            "--region": region,
            "--compute": compute,
            "--admin-email": admin_email,
            "--domain": domain,
            "--certificate-arn": certificate_arn,
        },
        {
            "--update": update,
            "--destroy": destroy,
            "--delete-data": delete_data,
            "--yes": yes,
            "--dry-run": dry_run,
        },
    )
    main(argv)


@task(help={"sync": "Write every published item to the edge (CDN) and remove stale files"})
def publish(c: Context, sync: bool = False) -> None:
    """Published charts on the edge (settings from the environment, like the app)."""
    c.run("story-analytics publish" + (" --sync" if sync else ""), pty=False)


@task(help={"tag": "Image tag; defaults to the git commit (plus a digest of uncommitted changes)"})
def build_image(c: Context, tag: str = "") -> None:
    """Build the production image locally with Docker (the same build `invoke deploy` pushes)."""
    from pathlib import Path

    from invoke.exceptions import Exit

    from storyanalytics.deploy.image import SubprocessRunner, build_image, docker_version, image_tag
    from storyanalytics.errors import StoryAnalyticsError

    runner = SubprocessRunner()
    project = Path(__file__).resolve().parent
    try:
        docker_version(runner)
        built = build_image(runner, project, tag or image_tag(runner, project))
    except StoryAnalyticsError as exc:
        raise Exit(f"Error: {exc}", code=2) from None
    print(f"Built {built.local_ref}")


@task(
    iterable=["p"],
    help={"name": "deploy, migrate or check", "p": "A notebook parameter as name=value (repeat -p)"},
)
def notebook(c: Context, name: str, p: list[str] | None = None) -> None:
    """Run a runbook notebook with papermill: invoke notebook deploy -p region=eu-west-1."""
    from storyanalytics.cli import main

    argv = ["notebook", name]
    for pair in p or []:
        argv += ["-p", pair]
    main(argv)


@task(help={"port": "Port (default 8888)", "browser": "Open a browser tab (default yes)"})
def lab(c: Context, port: int = 0, browser: bool = True) -> None:
    """JupyterLab on notebooks/ with this environment's kernel (the notebooks extra installs it)."""
    from storyanalytics.cli import main

    argv = ["lab"] + (["--port", str(port)] if port else []) + ([] if browser else ["--no-browser"])
    main(argv)


@task(help={"compute": "lambda (default), ecs-express or apprunner", "builder": "local or codebuild"})
def rehearse(c: Context, compute: str = "lambda", builder: str = "local") -> None:
    """REHEARSAL: the whole cloud journey offline (moto, local PostgreSQL, the app); nothing touches AWS."""
    from storyanalytics.cli import main

    main(["rehearse", "--compute", compute, "--builder", builder])
