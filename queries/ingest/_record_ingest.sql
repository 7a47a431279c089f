-- Record one ingest in the snapshot it produced (the data version extracts cite).
insert into ingests values ($ingest_id, $when, $files, $hash, $rows_read, $inserted, $updated, $unchanged, $rejected)
