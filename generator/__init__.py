"""pep: Personal Education Plans for looked-after children, per local authority: records, documents and forms."""

__version__ = "0.1.0"
