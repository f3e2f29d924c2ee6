"""The columnar engine under CSV uploads: one DuckDB database per process, on a private temporary disk.

Why DuckDB (over Polars and PyArrow): it is the smallest of the three installed (one 70 MB library with no
dependencies, against 171 MB for PyArrow and 182 MB for Polars' runtime), reads a CSV file in parallel
without loading it, and works under a memory limit, spilling to disk past it. Its SQL also does what chart
payloads need (grouping, sampling, window functions) without pulling rows into Python.

Parsed uploads live here as tables on disk (compressed), so the process's memory stays under
`CSV_ENGINE_MEMORY_MB` whatever the number and size of cached uploads; `ParsedCache` bounds their bytes.
The engine is imported on the first parse, never at app start.
"""

from __future__ import annotations

import atexit
import itertools
import re
import shutil
import tempfile
import threading
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

# What a table takes in the engine's file however few its rows: one block (DuckDB's default block size,
# 256 KiB; measured: a 20-row table of 2, 10 or 30 columns takes 1.0-1.07 blocks).
TABLE_MIN_BYTES = 256 * 1024

_lock = threading.Lock()
_state: dict[str, Any] = {"memory_mb": 64, "threads": 2, "db": None, "folder": None}
_dropped: list[str] = []
_names = itertools.count(1)
_LINE = re.compile(r"CSV Error on Line: (\d+)")
_COLUMNS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def configure(memory_mb: int, threads: int = 2) -> None:
    """Memory and threads the engine may use (applied now if it is already open)."""
    with _lock:
        _state["memory_mb"], _state["threads"] = memory_mb, threads
        db = _state["db"]
    if db is not None:
        db.execute(f"SET memory_limit = '{int(memory_mb)}MB'")
        db.execute(f"SET threads = {int(threads)}")


def _open() -> DuckDBPyConnection:
    import duckdb  # lazily: about 70 MB of library that only CSV work needs

    folder = tempfile.mkdtemp(prefix="storyanalytics-csv-")
    db = duckdb.connect(
        f"{folder}/parsed.duckdb",
        config={
            "memory_limit": f"{int(_state['memory_mb'])}MB",
            "threads": int(_state["threads"]),
            "temp_directory": f"{folder}/spill",
            "preserve_insertion_order": True,
            # Write tables to the file often, so the buffer pool can let them go: by default (16 MiB of
            # log) thousands of small uploads' tables (~20 kB of memory each, ~2 kB of log) stay in
            # memory until the engine runs out of it.
            "checkpoint_threshold": "256KB",
            # Hand freed memory back at once: by default the allocator keeps up to 128 MB after a task.
            "allocator_flush_threshold": "8MB",
            "allocator_bulk_deallocation_flush_threshold": "8MB",
        },
    )
    _state["db"], _state["folder"] = db, folder
    atexit.register(_close)
    return db


def _close() -> None:
    with _lock:
        db, folder = _state["db"], _state["folder"]
        _state["db"] = _state["folder"] = None
    if db is not None:
        db.close()
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def cursor() -> DuckDBPyConnection:
    """A connection of its own to the shared database (one per thread of work: DuckDB's rule)."""
    with _lock:
        db = _state["db"] or _open()
        dropped = _dropped[:]
        _dropped.clear()
    con = db.cursor()
    for name in dropped:
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return con


def new_table_name(prefix: str = "t") -> str:
    return f"{prefix}{next(_names)}"


def quote_text(value: str) -> str:
    """A SQL string literal (for the few values DuckDB takes only as constants, such as read_csv's)."""
    return "'" + value.replace("'", "''") + "'"


class Table:
    """A table owned by a Python object: dropped (at the next engine call) once nothing refers to it."""

    def __init__(self, name: str) -> None:
        self.name = name
        weakref.finalize(self, _dropped.append, name)


def csv_error(message: str) -> tuple[int | None, str]:
    """(line number, what is wrong) from a DuckDB CSV error, for a message that names the line."""
    line = _LINE.search(message)
    columns = _COLUMNS.search(message)
    number = int(line.group(1)) if line else None
    if columns:
        return number, f"has {columns.group(2)} fields but the header has {columns.group(1)}"
    first = message.split("\n", 1)[0].removeprefix("Invalid Input Error: ").strip()
    return number, first
