"""What the commitment tests say about roles, in one place (stated here, not read from
accounts.roles or reporting.services, so that those tables are under test)."""

from accounts.roles import Role

ROLES = list(Role)

# Which of the `commitments` fixture's enterprises each role sees: "a" (enterprise_a, town_a's
# first grid), "a2" (enterprise_a2, town_a's other grid) and "b" (enterprise_b, town_b). None:
# the role may not look at commitments at all (403).
SCOPE = {
    Role.COUNTY_ADMIN: {"a", "a2", "b"},
    Role.SUPERVISOR: {"a", "a2", "b"},
    Role.ENFORCEMENT_OFFICER: {"a", "a2", "b"},
    Role.TOWN_SUPERVISOR: {"a", "a2"},
    Role.GRID_MEMBER: {"a"},
    Role.EXPERT: {"a"},
    Role.PRINCIPAL: {"a"},
    Role.SAFETY_OFFICER: {"a"},
    Role.EMPLOYEE: None,
    # Above the county: everything below them, only to read.
    Role.CITY_SUPERVISOR: {"a", "a2", "b"},
    Role.PROVINCE_SUPERVISOR: {"a", "a2", "b"},
}
# Who records and withdraws commitments (their own enterprise's), who records breaches (in
# their scope), who revokes them.
RECORDERS = frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER})
BREACHERS = frozenset(
    {Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR, Role.GRID_MEMBER}
)
REVOKERS = frozenset({Role.COUNTY_ADMIN, Role.SUPERVISOR})
