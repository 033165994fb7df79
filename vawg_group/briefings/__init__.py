"""Briefings: OPCC staff write them, a colleague approves them, packs carry them to members."""
