-- A writer's session: an ingest's output is its own summary, not DuckDB's progress bars.
set enable_progress_bar = false
