"""Rule content as data: one `<rule-id>.yaml` per rule of the catalog, and `valuesets/`.

This is a package only so that the files install with the service; there is no code here.
"""
