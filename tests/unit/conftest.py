"""The use cases' fixtures: a service on the in-memory repository with a clock the test moves.

A module books at other hospitals by overriding `hospitals`."""

import pytest

from app.domain.hospitals import Hospitals
from app.service import BookingService
from tests.support.admin_key import ADMIN_KEY
from tests.support.clinic import CLINIC, NOW
from tests.support.memory import MemoryRepository


@pytest.fixture
def clock():
    return [NOW]


@pytest.fixture
def repository():
    return MemoryRepository()


@pytest.fixture
def hospitals():
    return Hospitals([CLINIC])


@pytest.fixture
def service(hospitals, repository, clock):
    return BookingService(hospitals, repository, ADMIN_KEY, lambda: clock[0])
