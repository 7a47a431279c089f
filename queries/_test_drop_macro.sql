-- Tests: a warehouse as an earlier version wrote it, before the top_and_others macro existed.
drop macro table if exists top_and_others
