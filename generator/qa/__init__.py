"""Quality assurance against each authority's rules (rules as data over rule kinds), the academic calendar,
due dates, and the cohort dashboard.

May import: core, authority, store.
"""
