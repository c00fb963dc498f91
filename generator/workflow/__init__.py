"""What moves a PEP along: its journey (states, moves, who may make them, sections completed by their owners, the
Virtual School's rating and sign-off, PP+ released), to-do lists and digests, send-back replies with re-issued
forms, and starting the next term.

May import: core, authority, signing, forms, ingest, pipeline, qa, store.
"""
