"""Fixtures for the job queue: committed sessions and a queue name of the test's own."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from operational.common import db

T = TypeVar("T")


@pytest.fixture
def queue(database_url: str) -> Iterator[str]:
    """A queue name no other test uses; its jobs (and those of ``<name>.*``) are deleted afterwards."""
    name = f"test.{uuid.uuid4().hex[:10]}"
    yield name
    with db.get_engine().begin() as connection:
        connection.execute(
            text("DELETE FROM jobs WHERE queue = :q OR queue LIKE :p"), {"q": name, "p": name + ".%"}
        )


@pytest.fixture
def committed(database_url: str) -> Callable[[Callable[[Session], T]], T]:
    """Run ``work(session)`` in a new session and commit (as a real caller does)."""

    def run(work: Callable[[Session], T]) -> T:
        with db.new_session() as session:
            result = work(session)
            session.commit()
            return result

    return run
