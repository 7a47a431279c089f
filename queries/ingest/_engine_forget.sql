-- One file's rows out of engine_rows (the view `incoming`) again (engine.py): read with checks its bytes turned out to need. Param: $file (its place in the call).
delete from engine_rows where file = $file
