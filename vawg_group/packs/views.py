from flask import Blueprint

blueprint = Blueprint("packs", __name__, url_prefix="/packs")
