"""Fictional demonstration data: every name here is invented."""
