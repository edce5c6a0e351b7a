"""umt.contract is plain data shared by three processes: it imports the standard library,
msgspec and itself, nothing else (the import-linter contract lists the forbidden packages it
knows; this test also catches a package nobody thought to list)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import umt.contract

ALLOWED = set(sys.stdlib_module_names) | {"msgspec", "__future__"}


def test_the_contract_imports_only_the_standard_library_and_msgspec():
    found = []
    for path in Path(umt.contract.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
            for name in names:
                if name.split(".")[0] not in ALLOWED and not name.startswith("umt.contract"):
                    found.append(f"{path.name}: {name}")
    assert not found, found
