"""Offices, users, roles and sign-in."""
