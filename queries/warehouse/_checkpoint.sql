-- Write everything into the snapshot file before it is published (no WAL beside it).
checkpoint
