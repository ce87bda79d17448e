"""Roles, their function permissions and their scope kind, as data.

District roles see every institution; institution roles are granted at one institution (JA01–JA26,
``dbt/seeds/institutions.csv``) and optionally a department. A user holding several grants gets the
union of their permissions and institutions.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from warehouse.paths import dbt_project_dir

PERMISSIONS: dict[str, str] = {
    "accounts.read": "查看账号",
    "accounts.manage": "管理账号（新建、停用、重置密码、解锁）",
    "roles.grant": "授予与收回角色",
    "api_keys.manage": "管理系统账号（API 密钥）",
    "audit.read": "查看审计日志",
    "audit.export": "导出审计日志",
    "firewall.read": "查看防火墙与访问控制记录",
    "indicators.read": "查看监管指标",
    "personal_data.read": "查看个人信息",
    "sms.send": "发送短信",
    "sms.manage": "管理短信模板与通道",
    "imaging.read": "查看影像",
    "imaging.manage": "管理影像",
    "records.read": "查看病案",
    "records.manage": "管理病案",
    "prescriptions.review": "审核处方",
    "data.submit": "上报数据（医院系统接口）",
}

# Administration of accounts is never delegated to a system account.
ADMIN_PERMISSIONS = frozenset({"accounts.manage", "roles.grant", "api_keys.manage"})
SYSTEM_PERMISSIONS = frozenset(PERMISSIONS) - ADMIN_PERMISSIONS

SUPER_ADMIN = "超级管理员"
DISTRICT_ADMIN = "区卫健委管理员"
AUDITOR = "只读审计"
INSTITUTION_ADMIN = "机构管理员"


@dataclass(frozen=True)
class Role:
    """A role: its scope kind, whether it needs a second factor, and its permissions."""

    name: str
    scope: Literal["district", "institution"]
    privileged: bool
    permissions: frozenset[str]


def _role(name: str, scope: Literal["district", "institution"], privileged: bool, *perms: str) -> Role:
    unknown = set(perms) - set(PERMISSIONS)
    if unknown:
        raise ValueError(f"unknown permissions for role {name}: {sorted(unknown)}")
    return Role(name, scope, privileged, frozenset(perms))


ROLES: dict[str, Role] = {
    role.name: role
    for role in (
        _role(SUPER_ADMIN, "district", True, *PERMISSIONS),
        _role(
            DISTRICT_ADMIN,
            "district",
            True,
            *(set(PERMISSIONS) - {"audit.export", "data.submit"}),
        ),
        _role(AUDITOR, "district", False, "audit.read", "audit.export", "accounts.read", "firewall.read"),
        # An institution manager holds every permission of the institution roles, so they can
        # manage (and reset the password of) every account of their hospital without escalating.
        _role(
            INSTITUTION_ADMIN,
            "institution",
            True,
            "accounts.read",
            "accounts.manage",
            "roles.grant",
            "api_keys.manage",
            "indicators.read",
            "personal_data.read",
            "sms.send",
            "imaging.read",
            "records.read",
            "records.manage",
            "prescriptions.review",
            "data.submit",
        ),
        _role(
            "医生",
            "institution",
            False,
            "indicators.read",
            "personal_data.read",
            "imaging.read",
            "records.read",
        ),
        _role("药师", "institution", False, "indicators.read", "personal_data.read", "prescriptions.review"),
        _role(
            "病案室",
            "institution",
            False,
            "personal_data.read",
            "records.read",
            "records.manage",
            "imaging.read",
        ),
        _role("客服", "institution", False, "sms.send", "indicators.read"),
    )
}

PRIVILEGED_ROLES = frozenset(name for name, role in ROLES.items() if role.privileged)


@lru_cache(maxsize=1)
def institution_codes() -> frozenset[str]:
    """The district's institution codes, from the dbt seed ``institutions.csv``."""
    with (dbt_project_dir() / "seeds" / "institutions.csv").open(encoding="utf-8") as handle:
        return frozenset(row["institution_code"] for row in csv.DictReader(handle))


def permissions_of(roles: frozenset[str] | set[str]) -> frozenset[str]:
    """The union of the permissions of ``roles`` (unknown role names contribute nothing)."""
    result: set[str] = set()
    for name in roles:
        role = ROLES.get(name)
        if role is not None:
            result |= role.permissions
    return frozenset(result)
