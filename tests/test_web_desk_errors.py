"""The desk answers bad input with a page, never JSON or a 500: a form goes back where it was
sent from with the reason as a flash message and nothing written; a page says why."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from ledger_helpers import session_id
from web_support import desk_client, login, text_of, token_for

from ledger import attendance
from ledger.makeups import makeup_options
from ledger.schema import Makeup

HOME = "http://testserver/desk/today?date=2027-09-13"


def _flash_after(client, path: str, data: dict, referer: str = HOME) -> tuple[str, str]:
    """Post ``data`` to ``path`` from ``referer``: where it goes back to and what it says."""
    sent = client.post(path, data=data, headers={"referer": referer}, follow_redirects=False)
    assert sent.status_code == 303, (sent.status_code, sent.text)
    where = sent.headers["location"]
    return where, text_of(client.get(where).text)


@pytest.mark.parametrize(
    ("session_id", "said"),
    [
        ("", "session_id"),
        ("abc", "session_id: Input should be a valid integer"),
        ("99999999999999999999", "session_id: Input should be less than or equal to"),
    ],
)
def test_a_bad_form_field_goes_back_with_the_reason(served, session_id: str, said: str) -> None:
    app, client = served
    csrf = login(client, token_for(app, "scheduler"))
    form = {"csrf": csrf, "session_id": session_id, "participant": "P0001", "status": "absent"}
    where, shown = _flash_after(client, "/desk/attendance", form)
    assert where == "/desk/today?date=2027-09-13" and "Not done:" in shown and said in shown


def test_a_bad_query_is_a_page_not_json(served) -> None:
    app, client = served
    login(client, token_for(app, "director"))
    page = client.get("/director/timetable?version=abc")
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "version: Input should be a valid integer" in text_of(page.text)
    assert client.get("/director/audit?run=99999999999999999999").status_code == 422
    missing = client.get("/desk/no-such-page")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    api = client.get("/v1/no-such-thing")  # the API keeps problem+json
    assert api.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "option", ["null", "1", "[]", '"x"', "[" * 100_000, '{"seats_left": 1e309}', "{}"]
)
def test_a_tampered_makeup_option_is_not_read(served, option: str) -> None:
    app, client = served
    csrf = login(client, token_for(app, "scheduler"))
    form = {"csrf": csrf, "participant": "P0022", "missed": "1", "option": option}
    where, shown = _flash_after(client, "/desk/makeups/book", form)
    assert where == "/desk/makeups?participant=P0022"
    assert "That option could not be read; search again." in shown
    with app.state.ledger.read() as s:
        assert s.query(Makeup).count() == 0


def test_forms_before_anything_is_published_say_so(tmp_path: Path) -> None:
    with desk_client(tmp_path / "empty.sqlite") as (app, client):
        csrf = login(client, token_for(app, "scheduler"))
        option = {"section": "x-1", "group_type": "x", "date": "2027-09-14", "start": "09:00"}
        option |= {"end": "10:00", "room": "r1", "seats_left": 1}
        form = {"csrf": csrf, "participant": "P1", "missed": "1", "option": json.dumps(option)}
        _, shown = _flash_after(client, "/desk/makeups/book", form)
        assert "Not done: nothing is published yet" in shown
        form = {"csrf": csrf, "participant": "P1", "from_date": "2027-09-14"}
        _, shown = _flash_after(client, "/desk/admissions/discharge", form)
        assert "Not done: nothing is published yet" in shown


def test_redirects_carry_form_values_encoded(served) -> None:
    app, client = served
    csrf = login(client, token_for(app, "scheduler"))
    found = client.get("/desk/participants?participant=../../director", follow_redirects=False)
    assert found.headers["location"] == "/desk/participants/..%2F..%2Fdirector"
    form = {"csrf": csrf, "session_id": "1", "participant": "P0001", "status": "absent"}
    sent = client.post("/desk/attendance", data={**form, "date": "x&y=1#z"}, follow_redirects=False)
    assert sent.headers["location"] == "/desk/today?date=x%26y%3D1%23z#session-1"
    form["date"] = "9" * 5000
    long = client.post("/desk/attendance", data=form, follow_redirects=False)
    assert len(long.headers["location"]) < 100


def test_a_long_message_still_fits_its_cookie(served) -> None:
    app, client = served
    csrf = login(client, token_for(app, "scheduler"))
    form = {"csrf": csrf, "session_id": "1", "participant": "患" * 3000, "status": "absent"}
    sent = client.post("/desk/attendance", data=form, follow_redirects=False)
    cookie = next(c for c in sent.headers.get_list("set-cookie") if c.startswith("otg_flash="))
    assert len(cookie) < 4000
    assert "患" in text_of(client.get(sent.headers["location"]).text)


def test_an_unreadable_workbook_is_named_by_its_upload(served) -> None:
    app, client = served
    csrf = login(client, token_for(app, "director"))
    sent = client.post(
        "/director/terms",
        data={"csrf": csrf},
        files={"term_file": ("clinic.xlsx", b"not a workbook", "application/octet-stream")},
    )
    shown = text_of(sent.text)
    assert "clinic.xlsx: " in shown and "/tmp" not in shown and "tmp" not in shown.lower()


def test_an_audit_dated_at_the_end_of_time_is_no_error(served) -> None:
    app, client = served
    csrf = login(client, token_for(app, "director"))
    records = (Path(__file__).parents[1] / "models/examples/demo_records.json").read_bytes()
    ran = client.post(
        "/director/audit",
        data={"csrf": csrf, "as_of": "9999-12-31"},
        files={"records_file": ("records.json", records, "application/json")},
    )
    assert ran.status_code == 200 and "Audit 1:" in text_of(ran.text)


def test_an_error_page_that_fails_falls_back_to_problem_json(served) -> None:
    app, client = served
    login(client, token_for(app, "director"))

    def broken(request, problem):
        raise RuntimeError("the ledger is gone")

    app.state.problem_page = broken
    page = client.get("/director/timetable?version=abc")
    assert page.status_code == 422 and page.headers["content-type"] == "application/problem+json"


def test_an_upload_over_the_size_limit_goes_back_with_the_reason(served) -> None:
    app, client = served
    csrf = login(client, token_for(app, "director"))
    big = b" " * (app.state.settings.max_body_bytes + 1)
    sent = client.post(
        "/director/audit",
        data={"csrf": csrf, "as_of": "2027-10-24"},
        files={"records_file": ("records.json", big, "application/json")},
        headers={"referer": "http://testserver/director/audit"},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/director/audit"
    shown = text_of(client.get(sent.headers["location"]).text)
    assert "Not done: the request body is over the limit" in shown
    api = client.post("/v1/terms", content=big, headers={"content-type": "application/json"})
    assert api.status_code == 413 and api.headers["content-type"] == "application/problem+json"


def test_a_booking_is_told_by_the_section_it_made(served) -> None:
    """An extra meeting's id is the ledger's, whatever the posted option called it."""
    app, client = served
    csrf = login(client, token_for(app, "scheduler"))
    ledger = app.state.ledger
    missed = session_id(ledger, "stress-management-1", dt.date(2027, 9, 13))
    attendance.record(ledger, missed, "P0001", "absent")
    option = makeup_options(ledger, "P0001", missed, 14, dt.datetime(2027, 9, 13, 7, 0))[0]
    assert option.extra
    posted = {**option.to_json(), "section": "brand-new"}
    form = {
        "csrf": csrf,
        "participant": "P0001",
        "missed": str(missed),
        "option": json.dumps(posted),
    }
    _, shown = _flash_after(client, "/desk/makeups/book", form)
    assert f"into extra meeting {option.section} " in shown and "brand-new" not in shown


@pytest.mark.parametrize("day", ["\x00", "tomorrow", "2027-02-30"])
def test_a_date_that_is_not_one_is_named_plainly(served, day: str) -> None:
    app, client = served
    csrf = login(client, token_for(app, "director"))
    records = (Path(__file__).parents[1] / "models/examples/demo_records.json").read_bytes()
    sent = client.post(
        "/director/audit",
        data={"csrf": csrf, "as_of": day},
        files={"records_file": ("records.json", records, "application/json")},
    )
    shown = text_of(sent.text)
    assert f"Not audited: {day!r} is not a date (YYYY-MM-DD)." in shown
    assert "isoformat" not in shown
