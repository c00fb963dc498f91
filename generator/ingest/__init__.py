"""Reading returned forms: bounded worker processes, hardened PDF reading, verification against the signed
manifest, conversion of values and validation. Never a renderer.

May import: core, authority, signing.
"""
