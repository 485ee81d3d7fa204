"""Synthetic patients as data: FHIR R4 transaction Bundles, built from tests/fixtures_src.

A package only so that the files install with the service (as `pnet_cds.fhir_fixtures`, read through
importlib.resources); there is no code here.
"""
