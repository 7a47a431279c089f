-- Record one ingest in the snapshot it produced (the data version extracts cite), with where its
-- records came from ('demo' for the demo build, 'export' otherwise).
insert into ingests (ingest_id, finished_at, files, file_hash, rows_read, inserted, updated, unchanged, rejected, origin)
values ($ingest_id, $when, $files, $hash, $rows_read, $inserted, $updated, $unchanged, $rejected, $origin)
