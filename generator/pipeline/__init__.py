"""One document end to end (validate, apply the audience, render, name, write), the Word template lint and
the demo.

May import: core, authority, signing, render, forms, qa.
"""
