-- Every connection works in UTC: timestamps are stored in UTC and shown in the program's zone.
set TimeZone = 'UTC'
