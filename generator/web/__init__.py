"""`pep serve`: the Django web application for the virtual school, designated teachers and social workers, on top
of the library (the store, generate, batch, ingest, QA, due dates, the dashboard) without a second copy of any of it.
Accounts, sessions and the access log live in Django's own database (SQLite in the store folder by default).

May import: core, authority, signing, render, forms, ingest, store, qa, pipeline, cohort, workflow.
"""
