"""Record documents, each renderer returning bytes: the document model every renderer draws from, Word
(docxtpl, templates built by code) and PDF/A (Typst), and the PDF/A structural check.

May import: core, authority.
"""
