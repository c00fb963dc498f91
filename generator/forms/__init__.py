"""Fillable PDF forms: the field plan, the WeasyPrint layout rendered once and cached, each child's fill with
appearance streams in an embedded font, and the signature.

May import: core, authority, signing, render.
"""
