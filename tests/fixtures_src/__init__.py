"""Sources of `fhir_fixtures/*.json`: one module per rule (`<rule_id>.py`, defining FIXTURES), built with
`builder.py`. `python -m tests.fixtures_src.build` writes the JSON; a test fails when it is out of date."""
