"""Briefing packs: compiled per meeting, rendered to marked PDFs in the worker, published, versioned."""
