"""Monthly online meetings: the series, occurrences, invites and feeds, RSVPs, attendance,
agendas, minutes, actions and lobbying asks."""
