"""Shared by the operations tests of several levels: the demo layers in a store."""

from datetime import date

import pytest

from geo.drills.demo import load_demo
from geo.drills.simulate import setup_time


@pytest.fixture
def demo(store):
    load_demo(store, at=setup_time(date(2021, 5, 23)))
    return store
