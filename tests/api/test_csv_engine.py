"""The column engine under uploads: bounded memory while parsing, a parsed cache bounded by bytes."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import duckdb
import pytest
from apiclient import local_settings

from storyanalytics.api.app import create_app
from storyanalytics.api.errors import ApiError
from storyanalytics.api.services import csvengine
from storyanalytics.api.services.csvdata import ParsedCache, parse_csv, parsed_cache

BENCH = Path(__file__).resolve().parents[2] / "bench"
MB = 1024 * 1024


def bench_module() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_csv_parse", BENCH / "csv_parse.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def engine_tables() -> set[str]:
    con = csvengine.cursor()
    try:
        return {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()


@pytest.mark.slow
def test_parsing_a_20_mb_csv_grows_memory_by_less_than_twice_its_size_plus_the_engine_limit() -> None:
    # Measured in a fresh process (bench/csv_parse.py); the engine's memory limit is its default, 64 MB.
    # The row-by-row parser this replaced grew by about 58x the file (1.2 GB here).
    result = bench_module().measure(20)
    assert result["rows"] > 300_000
    assert result["growth"] < 2 * result["size"] + 64 * MB


def test_the_cache_evicts_the_least_recently_used_upload_past_its_bytes() -> None:
    cache = ParsedCache(max_bytes=100, min_entry_bytes=0)
    first, second, third = (parse_csv(b"a,b\n1,2\n") for _ in range(3))
    for parsed in (first, second, third):
        parsed.size_bytes = 40
    cache.put("first", first)
    cache.put("second", second)
    assert cache.get("first") is first  # now the most recent
    cache.put("third", third)
    assert cache.get("second") is None and cache.get("first") is first and cache.get("third") is third
    assert cache.size_bytes == 80


def test_an_upload_larger_than_the_whole_cache_is_not_kept() -> None:
    cache = ParsedCache(max_bytes=10, min_entry_bytes=0)
    parsed = parse_csv(b"a\n1\n")
    parsed.size_bytes = 11
    cache.put("big", parsed)
    assert cache.get("big") is None and cache.size_bytes == 0


def test_an_evicted_upload_gives_its_table_back_to_the_engine() -> None:
    cache = ParsedCache(max_bytes=10, min_entry_bytes=0)
    parsed = parse_csv(b"a\n1\n")
    name = parsed.table.name
    parsed.size_bytes = 10
    cache.put("one", parsed)
    del parsed
    assert name in engine_tables()
    cache.clear()
    assert name not in engine_tables()


def test_a_tiny_upload_counts_as_the_engine_block_its_table_takes() -> None:
    cache = ParsedCache(max_bytes=3 * csvengine.TABLE_MIN_BYTES)
    for index in range(5):
        cache.put(f"tiny {index}", parse_csv(b"a,b\n1,2\n"))
    kept = [index for index in range(5) if cache.get(f"tiny {index}") is not None]
    assert kept == [2, 3, 4] and cache.size_bytes == 3 * csvengine.TABLE_MIN_BYTES


@pytest.fixture
def small_engine() -> Iterator[None]:
    """The engine reopened with 8 MB of memory, then back to its default."""
    csvengine._close()
    csvengine.configure(8)
    try:
        yield
    finally:
        csvengine._close()
        csvengine.configure(64)


@pytest.mark.usefixtures("small_engine")
def test_hundreds_of_small_uploads_kept_parsed_do_not_run_the_engine_out_of_memory() -> None:
    # Each table held ~20 kB of the engine's memory until a checkpoint, which came only after 16 MiB of
    # log (~2 kB per table): at 8 MB, parsing failed from about the 350th upload kept.
    kept = [parse_csv(b"year,value\n" + b"2001,3\n" * 20) for _ in range(500)]
    assert len(kept) == 500


class OutOfMemory:
    """An engine connection with no memory left for any query."""

    def execute(self, *args: object) -> None:
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")

    def close(self) -> None:
        pass


def test_parsing_when_the_engine_has_no_memory_left_answers_503(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvengine, "cursor", OutOfMemory)
    with pytest.raises(ApiError) as refused:
        parse_csv(b"year,value\n2001,3\n")
    assert refused.value.status_code == 503
    assert "no memory to spare for this file right now: try again in a minute" in str(refused.value)


def test_reading_rows_when_the_engine_has_no_memory_left_answers_503(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = parse_csv(b"year,value\n2001,3\n")
    monkeypatch.setattr(csvengine, "cursor", OutOfMemory)
    with pytest.raises(ApiError) as refused:
        parsed.head(10)
    assert refused.value.status_code == 503
    assert "no memory to spare for this data right now: try again in a minute" in str(refused.value)


def test_parsed_cache_size_comes_from_the_settings(tmp_path: Path) -> None:
    before = parsed_cache.max_bytes
    try:
        create_app(local_settings(tmp_path, parsed_cache_mb=3))
        assert parsed_cache.max_bytes == 3 * MB
    finally:
        parsed_cache.resize(before)


def test_parsing_leaves_no_working_table_behind() -> None:
    parsed = parse_csv(b"n,v\nx,$1\ny,2\n")
    working = {name for name in engine_tables() if name.startswith(("src", "map"))}
    assert working == set() and parsed.table.name in engine_tables()
