-- Test and fault-trial support: the ingests a snapshot records, without the moment they finished.
select ingest_id, files, file_hash, rows_read, inserted, updated, unchanged, rejected
from ingests
order by ingest_id
