"""Rule content as data: one `<rule-id>.yaml` per rule of the catalog, and `valuesets/`.

A package only so that the files install with the service (as `pnet_cds.card_files`, read through
importlib.resources); there is no code here.
"""
