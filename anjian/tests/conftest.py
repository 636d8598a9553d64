import pytest

from monitoring import partitions


@pytest.fixture(autouse=True)
def _fresh_partitions():
    # The tests here store readings; a reading partition made in a test's rolled-back
    # transaction is gone afterwards, so none is remembered across tests (as in monitoring's).
    partitions.forget()
    yield
    partitions.forget()
