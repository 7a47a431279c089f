-- With --skip-invalid: set aside the incoming rows at ($files[i], $lines[i]).
delete from incoming
where (file, line) in (select unnest($files) as file, unnest($lines) as line)
