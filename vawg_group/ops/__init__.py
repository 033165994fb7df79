"""Running the service for years: backups that restore, metrics and log formatting.

Nothing here serves a page of the product; each module is one operator's tool, registered as a
command (ops/cli.py) or hooked into the app by create_app.
"""
