"""The supervision API: health, readiness, catalog, indicator values and Chinese errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from operational.app import create_app
from tests.operational.staff import signed_in_headers
from warehouse.connection import MISSING_MESSAGE_ZH

VALUES = "/api/v1/indicators/ITS.PRE.appointments_today/values"


def test_health_answers_ok_with_a_request_id(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert len(response.headers["x-request-id"]) == 32


def test_a_sane_caller_request_id_is_echoed(client: TestClient) -> None:
    response = client.get("/api/v1/health", headers={"X-Request-ID": "his-ja01-000123"})
    assert response.headers["x-request-id"] == "his-ja01-000123"


def test_ready_is_503_in_chinese_without_a_warehouse(client: TestClient, warehouse_file: Path) -> None:
    response = client.get("/api/v1/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["message"] == MISSING_MESSAGE_ZH
    assert body["request_id"] == response.headers["x-request-id"]


def test_ready_reports_the_latest_day(client: TestClient, filled_warehouse: Path) -> None:
    response = client.get("/api/v1/ready")
    assert response.status_code == 200
    assert response.json()["latest_period"] == "2025-06-03"


def test_catalog_lists_every_indicator_and_filters_by_area(client: TestClient) -> None:
    everything = client.get("/api/v1/indicators").json()
    assert len(everything) == 224
    pub = client.get("/api/v1/indicators", params={"area": "PUB"}).json()
    assert pub and all(item["area_code"] == "PUB" for item in pub)
    assert {"code": "PUB.ACTIVE.dau", "name_zh": "日活跃用户数"}.items() <= next(
        item for item in pub if item["code"] == "PUB.ACTIVE.dau"
    ).items()


def test_values_of_the_district_between_dates(client: TestClient, filled_warehouse: Path) -> None:
    response = client.get(VALUES, params={"grain": "day", "start": "2025-06-02", "end": "2025-06-03"})
    assert response.status_code == 200
    body = response.json()
    assert body["name_zh"] == "今日预约总数"
    assert [(item["period_start"], item["value"]) for item in body["items"]] == [
        ("2025-06-02", 33.0),
        ("2025-06-03", 36.0),
    ]
    assert body["items"][0]["numerator"] is None


def test_values_of_one_institution_and_of_a_dimension(client: TestClient, filled_warehouse: Path) -> None:
    own = client.get(VALUES, params={"institution_code": "JA01"}).json()
    assert [item["value"] for item in own["items"]] == [10.0, 11.0, 12.0]
    by_gender = client.get(
        "/api/v1/indicators/PUB.USERS.verified_cumulative/values",
        params={"grain": "cumulative", "dimension": "gender"},
    ).json()
    assert {item["member"]: item["value"] for item in by_gender["items"]} == {"男": 46.0, "女": 54.0}


def test_unknown_code_is_404_in_chinese(client: TestClient, filled_warehouse: Path) -> None:
    response = client.get("/api/v1/indicators/ITS.NOPE.x/values")
    assert response.status_code == 404
    body = response.json()
    assert body == {
        "code": "not_found",
        "message": "指标 ITS.NOPE.x 不存在",
        "request_id": body["request_id"],
    }
    assert body["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"grain": "hour"}, "grain"),
        ({"grain": "week"}, "不支持粒度 week"),
        ({"dimension": "gender"}, "不支持维度 gender"),
        ({"start": "2025-06-03", "end": "2025-06-01"}, "开始日期不能晚于结束日期"),
        ({"institution_code": "x;drop"}, "institution_code"),
    ],
)
def test_bad_parameters_are_422_in_chinese(
    client: TestClient, filled_warehouse: Path, params: dict[str, str], fragment: str
) -> None:
    response = client.get(VALUES, params=params)
    assert response.status_code == 422
    body = response.json()
    assert fragment in body["message"]
    assert body["message"].startswith(("请求参数不合法", "指标", "开始日期"))
    assert body["request_id"]


def test_institution_scoped_caller_gets_403_for_another_institution(
    api: TestClient, db_session: Session, filled_warehouse: Path
) -> None:
    doctor = signed_in_headers(db_session, "ja02_doctor", ("医生", "JA02"))
    response = api.get(VALUES, params={"institution_code": "JA01"}, headers=doctor)
    assert response.status_code == 403
    assert response.json()["message"] == "无权查看其他机构的数据"


def test_institution_scoped_caller_never_reads_the_district_total(
    api: TestClient, db_session: Session, filled_warehouse: Path
) -> None:
    doctor = signed_in_headers(db_session, "ja01_doctor", ("医生", "JA01"))
    assert api.get(VALUES, headers=doctor).status_code == 403
    own = api.get(VALUES, params={"institution_code": "JA01"}, headers=doctor)
    assert own.status_code == 200
    assert [item["value"] for item in own.json()["items"]] == [10, 11, 12]


def test_indicator_reads_need_a_signed_in_caller(api: TestClient, filled_warehouse: Path) -> None:
    for path in ("/api/v1/indicators", VALUES):
        response = api.get(path)
        assert response.status_code == 401
        assert response.json()["message"]


def test_a_role_without_the_indicator_permission_is_refused(
    api: TestClient, db_session: Session, filled_warehouse: Path
) -> None:
    records_clerk = signed_in_headers(db_session, "ja01_records", ("病案室", "JA01"))
    response = api.get("/api/v1/indicators", headers=records_clerk)
    assert response.status_code == 403
    assert "indicators.read" in response.json()["message"]


def test_unexpected_errors_are_500_in_chinese_with_request_id(filled_warehouse: Path) -> None:
    app = create_app()
    broken = APIRouter()

    @broken.get("/api/v1/broken")
    def explode() -> None:
        raise RuntimeError("boom")

    app.include_router(broken)
    with TestClient(app, raise_server_exceptions=False) as unsafe:
        response = unsafe.get("/api/v1/broken", headers={"X-Request-ID": "trace-0000001"})
    assert response.status_code == 500
    assert response.json() == {
        "code": "internal_error",
        "message": "服务器内部错误，请联系管理员",
        "request_id": "trace-0000001",
    }
    assert response.headers["x-request-id"] == "trace-0000001"


def test_openapi_docs_describe_endpoints_in_chinese(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    values = spec["paths"]["/api/v1/indicators/{code}/values"]["get"]
    assert values["summary"] == "指标取值"
    assert "数据仓库" in values["description"]
    assert client.get("/docs").status_code == 200


def test_values_without_grain_use_the_indicators_natural_grain(
    client: TestClient, filled_warehouse: Path
) -> None:
    response = client.get(
        "/api/v1/indicators/PUB.USERS.verified_cumulative/values", params={"dimension": "gender"}
    )
    assert response.status_code == 200
    assert response.json()["grain"] == "cumulative"
    assert {item["member"] for item in response.json()["items"]} == {"男", "女"}


def test_computation_times_carry_the_shanghai_offset(client: TestClient, filled_warehouse: Path) -> None:
    items = client.get(VALUES, params={"grain": "day"}).json()["items"]
    assert items and all(item["computed_at"].endswith("+08:00") for item in items)


def test_a_wrong_method_names_every_method_the_path_serves(api: TestClient) -> None:
    response = api.request("OPTIONS", "/api/v1/accounts/users")
    assert response.status_code == 405
    assert {method.strip() for method in response.headers["allow"].split(",")} >= {"GET", "POST"}
    assert response.json()["message"] == "不支持该请求方法"
