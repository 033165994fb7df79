"""Meeting pages: the list (next meeting first), each meeting (details, agenda, register,
minutes, actions, timeline), staff forms, .ics downloads, personal feeds and RSVP links.

Meetings belong to the whole group, not to one office: everyone with VIEW_MEETINGS reads them
and only OPCC staff (MANAGE_MEETINGS) change them. The feed and RSVP routes are @public and
answer only to a valid secret or signed token.

One blueprint ("meetings"), its routes in a module per part of a meeting: ``occurrences`` (the
list, a meeting's page and changes to it), ``series``, ``agenda``, ``minutes``, ``attendance``
(the register and RSVP links), ``actions`` (and lobbying asks) and ``feeds``; what they share is
in ``common``. Views stay thin: the rules are in the meetings package's services, and what a
person may see of a meeting is core/policy.py's to say.
"""

from vawg_group.meetings.views import actions, agenda, attendance, feeds, minutes, occurrences, series  # noqa: F401 (their routes)
from vawg_group.meetings.views.common import blueprint

__all__ = ["blueprint"]
