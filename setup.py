# Only what pyproject.toml cannot say: the package list joins the code under app/ with the
# data folders at the top of the repository (mapped in [tool.setuptools] package-dir), each
# data subfolder named too, so that setuptools ships it as package data of its own.
from pathlib import Path

from setuptools import find_packages, setup

DATA_FOLDERS = {"umt.stacks": "stacks", "umt.dockerfiles": "Dockerfiles", "umt.resources": "resources"}


def data_packages():
    for package, folder in DATA_FOLDERS.items():
        yield package
        for sub in sorted(p for p in Path(folder).rglob("*") if p.is_dir() and "__pycache__" not in p.parts):
            parts = sub.relative_to(folder).parts
            if all(part.isidentifier() for part in parts):
                yield ".".join((package, *parts))


setup(packages=find_packages("app") + list(data_packages()))
