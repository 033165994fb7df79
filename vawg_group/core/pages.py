"""Pages anyone may read: the accessibility statement and the privacy notice."""

from flask import Blueprint, render_template

from vawg_group.core.policy import public

blueprint = Blueprint("pages", __name__)


@blueprint.get("/accessibility")
@public
def accessibility():
    return render_template("core/accessibility.html", title="Accessibility statement")


@blueprint.get("/privacy")
@public
def privacy():
    return render_template("core/privacy.html", title="Privacy notice")
