"""An authority's profile and what follows from it: each variant's content description, audiences, file
names, and validation of a record against its authority and variant.

May import: core.
"""
