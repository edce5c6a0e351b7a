# Only what pyproject.toml cannot say: the package list joins the code under app/ with the
# data folders at the top of the repository (mapped in [tool.setuptools] package-dir).
from setuptools import find_packages, setup

setup(packages=find_packages("app") + ["umt.stacks", "umt.dockerfiles", "umt.resources"])
