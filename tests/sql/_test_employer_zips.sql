-- Test support: the published ZIP and the repaired zip5 of one employer ($employer).
select distinct zip, zip5 from h1b_employers where employer = $employer
