"""Test helpers that build forms in memory and fill them the way real PDF clients do."""
