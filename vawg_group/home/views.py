from flask import Blueprint, render_template
from flask_login import current_user

from vawg_group.core.policy import Permission, can, requires
from vawg_group.home import reissue, services

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
@requires(Permission.VIEW_HOME)
def index():
    if current_user.is_opcc:
        return render_template(
            "home/staff.html",
            title="Home",
            summary=services.staff_home(current_user),
            can_manage_people=can(current_user, Permission.MANAGE_PEOPLE),
            papers_to_reissue=reissue.papers_to_reissue(),
        )
    return render_template(
        "home/office.html",
        title="Home",
        summary=services.office_home(current_user),
        can_submit_casework=can(current_user, Permission.SUBMIT_CASEWORK),
    )
