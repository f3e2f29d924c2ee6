"""The source bundle CodeBuild builds from: the files the local build would see, zipped reproducibly.

In a git checkout that is every file git tracks or would track (.gitignore respected), with its content
as it is on disk now; uncommitted changes are in the bundle and their digest is in the tag
(deploy/image.py image_tag), exactly as with the local build, so one tag never names two images.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from storyanalytics.deploy.errors import ImageError
from storyanalytics.deploy.image import CommandRunner, source_files

# A fixed timestamp makes the same files give the same bytes (zip stores mtimes).
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
BUNDLE_PREFIX = "builds/"


@dataclass(frozen=True)
class SourceBundle:
    data: bytes
    files: tuple[str, ...]

    @staticmethod
    def key(tag: str) -> str:
        """Where the bundle for `tag` lives in the artifacts bucket (the build role reads only builds/)."""
        return f"{BUNDLE_PREFIX}{tag}.zip"


def bundle_files(runner: CommandRunner, project_dir: Path) -> list[str]:
    """Relative POSIX paths of the files that go into the bundle."""
    listed = runner(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=project_dir)
    if listed.returncode == 0 and listed.stdout:
        names = sorted({name for name in listed.stdout.split("\0") if name})
        return [name for name in names if (project_dir / name).is_file()]  # deleted files are gone
    return [path.as_posix() for path in source_files(project_dir)]


def make_bundle(runner: CommandRunner, project_dir: Path) -> SourceBundle:
    """A ZIP of the project (CodeBuild's S3 source is a ZIP file), refused without a Dockerfile."""
    files = bundle_files(runner, project_dir)
    if "Dockerfile" not in files:
        raise ImageError(f"There is no Dockerfile in {project_dir}: run this from the project folder.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in files:
            path = project_dir / name
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (path.stat().st_mode & 0o777) << 16
            archive.writestr(info, path.read_bytes())
    return SourceBundle(data=buffer.getvalue(), files=tuple(files))
