# The monitoring demo stores readings: each test gets the monitoring tests' fresh partitions.
from monitoring.conftest import _fresh_memos  # noqa: F401
