"""``/audit`` over HTTP: scoped browsing, exports that re-verify and are audited, verification."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from operational.accounts.api_keys import generate_key
from operational.accounts.config import get_accounts_config
from operational.accounts.models import ApiKey, RoleGrant, User
from operational.accounts.roles import AUDITOR
from operational.accounts.sessions import FULL, hash_token, open_session
from operational.audit.chain import entry_hash
from operational.audit.export import parse_csv_export
from operational.audit.models import AuditEntry
from operational.audit.service import record_event
from tests.operational.audit.factories import TEST_ACTION, as_superuser_attacker, record_events

NOW = dt.datetime.now(dt.UTC)


def _staff(session: Session, role: str, institution_code: str | None = None) -> dict[str, str]:
    """Headers of a signed-in staff member holding ``role``."""
    user = User(
        id=uuid.uuid4().hex,
        username=f"audit-{uuid.uuid4().hex[:8]}",
        password_hash="not-a-real-hash",
        password_changed_at=NOW,
        must_change_password=False,
        is_active=True,
        failed_logins=0,
        totp_enabled=False,
        institution_code=institution_code,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(user)
    session.flush()
    session.add(
        RoleGrant(
            id=uuid.uuid4().hex, user_id=user.id, role=role, institution_code=institution_code, granted_at=NOW
        )
    )
    session.flush()
    token, _ = open_session(
        session, user=user, purpose=FULL, now=NOW, config=get_accounts_config(), source_ip="127.0.0.1"
    )
    return {"Authorization": f"Bearer {token}"}


def _institution_system(session: Session, institution_code: str) -> dict[str, str]:
    """Headers of a hospital system whose API key may read and export its institution's log."""
    prefix, key = generate_key()
    session.add(
        ApiKey(
            id=uuid.uuid4().hex,
            name="医院安全平台",
            prefix=prefix,
            secret_hash=hash_token(key),
            institution_code=institution_code,
            permissions=["audit.read", "audit.export"],
            ip_allowlist=["127.0.0.1/32"],
            rate_limit_per_minute=1_000,
            created_at=NOW,
        )
    )
    session.flush()
    return {"X-API-Key": key}


@pytest.fixture
def auditor(db_session: Session) -> dict[str, str]:
    """A district auditor (只读审计): reads and exports the whole district's log."""
    return _staff(db_session, AUDITOR)


def test_events_of_the_district_auditor_cover_every_institution(
    api: TestClient, db_session: Session, auditor: dict[str, str]
) -> None:
    ja01 = record_events(db_session, 2, institution_code="JA01")
    ja02 = record_events(db_session, 2, institution_code="JA02")

    response = api.get("/api/v1/audit/events", params={"action": TEST_ACTION, "limit": 500}, headers=auditor)

    assert response.status_code == 200, response.text
    seqs = {item["seq"] for item in response.json()["items"]}
    assert set(ja01 + ja02) <= seqs


def test_events_of_an_institution_key_are_only_its_own(api: TestClient, db_session: Session) -> None:
    ja01 = record_events(db_session, 2, institution_code="JA01")
    ja02 = record_events(db_session, 2, institution_code="JA02")
    headers = _institution_system(db_session, "JA01")

    response = api.get("/api/v1/audit/events", params={"limit": 500}, headers=headers)

    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert {item["institution_code"] for item in items} == {"JA01"}
    assert set(ja01) <= {item["seq"] for item in items}
    assert not set(ja02) & {item["seq"] for item in items}


def test_events_are_paged_newest_first(api: TestClient, db_session: Session, auditor: dict[str, str]) -> None:
    seqs = record_events(db_session, 5)

    first = api.get(
        "/api/v1/audit/events", params={"action": TEST_ACTION, "limit": 3}, headers=auditor
    ).json()
    second = api.get(
        "/api/v1/audit/events",
        params={"action": TEST_ACTION, "limit": 3, "before_seq": first["next_before_seq"]},
        headers=auditor,
    ).json()

    assert [item["seq"] for item in first["items"]] == seqs[:1:-1]
    assert [item["seq"] for item in second["items"]][:2] == seqs[1::-1]


def test_events_need_the_audit_read_permission(api: TestClient, db_session: Session) -> None:
    doctor = _staff(db_session, "医生", institution_code="JA01")

    response = api.get("/api/v1/audit/events", headers=doctor)

    assert response.status_code == 403
    assert "audit.read" in response.json()["message"]


def test_csv_export_opens_in_excel_and_its_hashes_recompute(
    api: TestClient, db_session: Session, auditor: dict[str, str]
) -> None:
    record_events(db_session, 3)
    record_event(db_session, action="auth.login", result="failure", actor_name='=HYPERLINK("x")')

    response = api.get("/api/v1/audit/export", params={"format": "csv"}, headers=auditor)

    assert response.status_code == 200, response.text
    assert response.content.startswith("\ufeff".encode())
    assert "attachment" in response.headers["content-disposition"]
    rows = parse_csv_export(response.content)
    assert any(row["actor_name"] == '=HYPERLINK("x")' for row in rows)
    assert b"'=HYPERLINK" in response.content
    for row in rows[-4:]:
        assert entry_hash(**_hash_fields(row)) == row["entry_hash"]


def _hash_fields(row: dict[str, str]) -> dict[str, object]:
    fields: dict[str, object] = {key: (value or None) for key, value in row.items() if key != "entry_hash"}
    fields["seq"] = int(row["seq"])
    fields["occurred_at"] = dt.datetime.fromisoformat(row["occurred_at"])
    fields["details"] = json.loads(row["details"]) if row["details"] else None
    fields["action"], fields["result"], fields["prev_hash"] = row["action"], row["result"], row["prev_hash"]
    return fields


def test_json_export_is_itself_audited_with_who_and_what(api: TestClient, db_session: Session) -> None:
    headers = _institution_system(db_session, "JA03")
    seqs = record_events(db_session, 2, institution_code="JA03")

    response = api.get(
        "/api/v1/audit/export", params={"format": "json", "action": TEST_ACTION}, headers=headers
    )

    assert response.status_code == 200, response.text
    assert [record["seq"] for record in response.json()] == seqs
    exported = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "audit.export").order_by(AuditEntry.seq.desc())
    ).first()
    assert exported is not None
    assert exported.actor_name.startswith("apikey:")
    assert exported.source_ip == "127.0.0.1"
    assert exported.details == {"action": TEST_ACTION, "format": "json"}
    assert exported.request_id == response.headers["x-request-id"]


def test_export_needs_the_audit_export_permission(api: TestClient, db_session: Session) -> None:
    doctor = _staff(db_session, "医生", institution_code="JA01")

    response = api.get("/api/v1/audit/export", headers=doctor)

    assert response.status_code == 403
    assert "audit.export" in response.json()["message"]


def test_verify_endpoint_reports_a_tampered_entry(
    api: TestClient, db_session: Session, auditor: dict[str, str]
) -> None:
    seqs = record_events(db_session, 3)
    with as_superuser_attacker(db_session):
        db_session.execute(text("UPDATE audit_log SET resource = 'x' WHERE seq = :seq"), {"seq": seqs[1]})

    response = api.get("/api/v1/audit/verify", headers=auditor)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is False
    assert (body["problem"]["kind"], body["problem"]["seq"]) == ("tampered", seqs[1])


def test_verify_endpoint_reports_an_intact_log(
    api: TestClient, db_session: Session, auditor: dict[str, str]
) -> None:
    seqs = record_events(db_session, 3)

    body = api.get("/api/v1/audit/verify", headers=auditor).json()

    assert body["ok"] is True
    assert body["last_seq"] >= seqs[-1]
