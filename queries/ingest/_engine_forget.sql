-- One file's rows out of `incoming` again (engine.py): read with checks its bytes turned out to need. Param: $file (its place in the call).
delete from incoming where file = $file
