-- A writer's session: an ingest's output is its own summary, not DuckDB's progress bars.
set enable_progress_bar = false;

-- DuckDB's buffers from a block allocator that keeps what it takes (256MB at most: half the ingest's
-- default memory limit; under a smaller --memory-limit the limit still bounds what DuckDB holds) instead
-- of giving freed blocks back to the system: a 10M ingest's merge spills and reads
-- back over a gigabyte, and each block fetched again into fresh memory cost a page fault per 4 KB
-- (10M rows: 1.29M faults -> 0.90M, 0.8-1.5 s of system CPU less, the same peak; docs/benchmarks.md,
-- session 13).
set block_allocator_memory = '256MB'
