"""Where umt keeps its data: the platform's user data folder, or UMT_DATA_DIR when set."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    override = os.environ.get("UMT_DATA_DIR")
    if override:
        path = Path(override).expanduser()
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("umt", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


_REPOSITORY_FOLDERS = {"stacks": "stacks", "dockerfiles": "Dockerfiles", "resources": "resources"}


def package_folder(name: str) -> Path:
    """A data folder shipped with umt: 'stacks', 'dockerfiles' or 'resources'.

    An installed wheel has it inside the package (umt/stacks); a source checkout, including an
    editable install, has it at the top of the repository (stacks/)."""
    package = Path(__file__).resolve().parent
    installed = package / name
    return installed if installed.is_dir() else package.parents[1] / _REPOSITORY_FOLDERS[name]


def default_stack_file() -> Path:
    return package_folder("stacks") / "default" / "compose.yaml"
