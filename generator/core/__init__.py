"""The core every stage shares: errors that name file, path and line; atomic writes; safe JSON and YAML
reading; the bundled samples.

May import: nothing of generator.
"""
