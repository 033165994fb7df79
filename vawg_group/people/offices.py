"""The constituency offices in the group (DOMAIN.md), with the Constabulary division for each."""

LANCASHIRE_OFFICES: tuple[tuple[str, str], ...] = (
    ("Blackburn", "East"),
    ("Blackpool North and Fleetwood", "West"),
    ("Blackpool South", "West"),
    ("Burnley", "East"),
    ("Chorley", "South"),
    ("Fylde", "West"),
    ("Hyndburn", "East"),
    ("Lancaster and Wyre", "West"),
    ("Morecambe and Lunesdale", "West"),
    ("Pendle and Clitheroe", "East"),
    ("Preston", "South"),
    ("Ribble Valley", "East"),
    ("Rossendale and Darwen", "East"),
    ("South Ribble", "South"),
    ("West Lancashire", "South"),
)
