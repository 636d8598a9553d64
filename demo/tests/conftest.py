# The monitoring demo stores readings: each test gets the monitoring tests' fresh partitions.
from monitoring.conftest import _fresh_partitions  # noqa: F401
