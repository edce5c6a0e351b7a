"""Slims the services' virtual environment in the image's build stage (standard library only).

Run with the venv's own python: `/opt/umt/bin/python slim_site_packages.py`. It
1. removes what the services never import (test suites, unused SQLAlchemy dialects, type stubs),
2. drops the debug information from compiled extensions (they ship unstripped: SQLAlchemy's
   Cython modules are ~90% DWARF), the way `sstrip` does: the loader reads only program headers,
3. compiles everything to bytecode placed next to the source, then deletes the source
   (sourceless .pyc: tracebacks of third-party code show no source lines, a fair price).
"""

from __future__ import annotations

import compileall
import shutil
import struct
import sys
import sysconfig
from pathlib import Path

UNUSED = [
    "sqlalchemy/testing",
    "sqlalchemy/dialects/mysql",
    "sqlalchemy/dialects/mssql",
    "sqlalchemy/dialects/oracle",
    "sqlalchemy/ext/mypy",
]
UNUSED_SUFFIXES = {".pyi", ".pyx", ".pxd", ".c", ".h", ".typed"}


def strip_elf(path: Path) -> int:
    """Cuts an ELF64 file after the last byte a program header maps; returns the bytes saved."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return 0
    endian = "<" if data[5] == 1 else ">"
    phoff, = struct.unpack_from(endian + "Q", data, 0x20)
    phentsize, phnum = struct.unpack_from(endian + "HH", data, 0x36)
    end = phoff + phentsize * phnum
    for index in range(phnum):
        offset, = struct.unpack_from(endian + "Q", data, phoff + index * phentsize + 0x08)
        filesz, = struct.unpack_from(endian + "Q", data, phoff + index * phentsize + 0x20)
        end = max(end, offset + filesz)
    if end >= len(data):
        return 0
    head = bytearray(data[:end])
    struct.pack_into(endian + "Q", head, 0x28, 0)            # e_shoff: no section headers left
    struct.pack_into(endian + "HHH", head, 0x3A, 0, 0, 0)    # e_shentsize, e_shnum, e_shstrndx
    path.write_bytes(bytes(head))
    return len(data) - end


def main() -> None:
    site = Path(sysconfig.get_paths()["purelib"])
    for relative in UNUSED:
        shutil.rmtree(site / relative, ignore_errors=True)
    for path in list(site.rglob("*")):
        if path.is_dir() and path.name in ("tests", "test") and path.parent != site:
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() and path.suffix in UNUSED_SUFFIXES:
            path.unlink()
    saved = sum(strip_elf(path) for path in site.rglob("*.so"))
    if not compileall.compile_dir(site, quiet=1, legacy=True, workers=0):
        sys.exit("compileall failed")
    for path in list(site.rglob("*.py")):
        path.unlink()
    for path in list(site.rglob("__pycache__")):
        shutil.rmtree(path)
    print(f"slimmed {site}: {saved // 1024} KiB of debug information dropped")


if __name__ == "__main__":
    main()
