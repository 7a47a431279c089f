-- Test support: give one employer another name (a hostile one, in tests/test_app_h1b_context.py).
update h1b_employers set employer = $employer where employer_key = $employer_key
