"""The form contract that making and reading forms share: signing keys, and the signed manifest (identity,
field map, issued values).

May import: core.
"""
