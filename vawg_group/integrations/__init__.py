"""Talking to services outside the application: Microsoft Graph (graph.py) and its errors."""
