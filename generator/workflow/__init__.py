"""What moves a PEP along once a form comes back: send-back replies with re-issued forms, and starting
the next term.

May import: core, authority, signing, forms, ingest, pipeline.
"""
