"""Whole cohorts: reading CSV and Excel sheets, folders and the store; the sheet template; parallel,
resumable batches.

May import: core, authority, signing, render, store, pipeline.
"""
