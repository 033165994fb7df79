"""The WSGI entry point: gunicorn serves ``wsgi:app``."""

from vawg_group import create_app

app = create_app()
