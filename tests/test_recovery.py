"""Closure recovery chooses makeups jointly: places, van seats, clashes, required first."""

from __future__ import annotations

from optimizer.recovery import Candidate, Lost, Recovery, clashing, recover


def test_required_first_when_places_run_short() -> None:
    # One place left in option X; P1's lost session is required (100), P2's optional (1).
    problem = Recovery(
        lost=[Lost("a", "P1", 100), Lost("b", "P2", 1)],
        candidates=[Candidate("a", "X", ("X",)), Candidate("b", "X", ("X",))],
        capacity={"X": 1},
    )
    assert recover(problem) == {"a": "X"}


def test_joint_choice_recovers_both_when_one_moves() -> None:
    # P1 fits X or Y, P2 only X, one place each: P1 must take Y.
    problem = Recovery(
        lost=[Lost("a", "P1", 100), Lost("b", "P2", 100)],
        candidates=[
            Candidate("a", "X", ("X",)),
            Candidate("a", "Y", ("Y",)),
            Candidate("b", "X", ("X",)),
        ],
        capacity={"X": 1, "Y": 1},
    )
    assert recover(problem) == {"a": "Y", "b": "X"}


def test_van_seats_and_clashes_are_shared_limits() -> None:
    lost = [Lost("a", "P1", 10), Lost("b", "P2", 10), Lost("c", "P1", 10)]
    candidates = [
        Candidate("a", "X", ("X", ("van", "tue"))),
        Candidate("b", "Y", ("Y", ("van", "tue"))),
        Candidate("c", "Z", ("Z",)),
    ]
    clashes = clashing([(0, "P1", 600, 660), (2, "P1", 630, 700), (1, "P2", 600, 660)])
    assert clashes == [(0, 2)]
    problem = Recovery(lost, candidates, {"X": 5, "Y": 5, "Z": 5, ("van", "tue"): 1}, clashes)
    chosen = recover(problem)
    assert len(chosen) == 2 and not {"a", "c"} <= set(chosen)
