"""The store of every child's record: versions, the audit of each field from -> to, returned originals
kept by content hash.

May import: core, authority, signing, ingest.
"""
