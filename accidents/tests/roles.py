"""What the accident tests say about roles, in one place (stated here, not read from the code
under test)."""

from accounts.roles import Role

ROLES = list(Role)

# Which of the `world` fixture's records each role sees: "a" (enterprise_a: town_a, grid_a),
# "a2" (enterprise_a2: town_a's other grid), "b" (enterprise_b: town_b), "ext" (a typical case
# reported elsewhere). "far" (an enterprise of another county) nobody here sees. None: the role
# may not look at accidents at all (a 403 on every page and endpoint).
SCOPE = {
    Role.COUNTY_ADMIN: {"a", "a2", "b", "ext"},
    Role.SUPERVISOR: {"a", "a2", "b", "ext"},
    Role.ENFORCEMENT_OFFICER: {"a", "a2", "b", "ext"},
    Role.TOWN_SUPERVISOR: {"a", "a2", "ext"},
    Role.GRID_MEMBER: {"a", "ext"},
    Role.EXPERT: {"a", "ext"},
    Role.PRINCIPAL: {"a", "ext"},
    Role.SAFETY_OFFICER: {"a", "ext"},
    Role.EMPLOYEE: None,
    # Above the county: everything below them, only to read.
    Role.CITY_SUPERVISOR: {"a", "a2", "b", "ext"},
    Role.PROVINCE_SUPERVISOR: {"a", "a2", "b", "ext"},
}

# Which records each role may correct and void (and, for "ext", record external cases).
CHANGES = {
    Role.COUNTY_ADMIN: {"a", "a2", "b", "ext"},
    Role.SUPERVISOR: {"a", "a2", "b", "ext"},
    Role.ENFORCEMENT_OFFICER: set(),
    Role.TOWN_SUPERVISOR: {"a", "a2"},
    Role.GRID_MEMBER: set(),
    Role.EXPERT: set(),
    Role.PRINCIPAL: set(),
    Role.SAFETY_OFFICER: set(),
    Role.EMPLOYEE: set(),
    Role.CITY_SUPERVISOR: set(),
    Role.PROVINCE_SUPERVISOR: set(),
}
RECORDERS = frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.TOWN_SUPERVISOR})
