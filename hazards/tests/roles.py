"""What the hazard tests say about roles, in one place."""

from accounts.roles import UPPER_ROLES, Role

ROLES = list(Role)
# The roles that may report a hazard: all but those above the county, who only read.
REPORTERS = [role for role in ROLES if role not in UPPER_ROLES]
BUREAU = frozenset(
    {Role.COUNTY_ADMIN, Role.SUPERVISOR, Role.ENFORCEMENT_OFFICER, Role.TOWN_SUPERVISOR}
)
MANAGERS = frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER})

# Which of the `hazards` fixtures' hazards each role sees: "a" (enterprise_a, reported by the
# safety officer), "own" (enterprise_a, reported by the employee), "a2" (enterprise_a2: the
# other grid of town_a) and "b" (enterprise_b: the other town). A hazard of another county
# ("far", where a test has one) nobody here sees.
SCOPE = {
    Role.COUNTY_ADMIN: {"a", "own", "a2", "b"},
    Role.SUPERVISOR: {"a", "own", "a2", "b"},
    Role.ENFORCEMENT_OFFICER: {"a", "own", "a2", "b"},
    Role.TOWN_SUPERVISOR: {"a", "own", "a2"},
    Role.GRID_MEMBER: {"a", "own"},
    Role.EXPERT: {"a", "own"},
    Role.PRINCIPAL: {"a", "own"},
    Role.SAFETY_OFFICER: {"a", "own"},
    Role.EMPLOYEE: {"own"},
    # 聊城市 and 山东省, above the county: all of it.
    Role.CITY_SUPERVISOR: {"a", "own", "a2", "b"},
    Role.PROVINCE_SUPERVISOR: {"a", "own", "a2", "b"},
}
