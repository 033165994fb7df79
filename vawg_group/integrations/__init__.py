"""Clients for the outside services we talk to (Microsoft Graph)."""
