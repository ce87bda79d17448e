"""Grant rules: nobody hands out more than they hold, or reaches outside their own scope.

* only a 超级管理员 grants 超级管理员;
* a granter holds every permission of the role granted;
* district roles are granted only by district principals, and without an institution;
* institution roles name an institution (JA01–JA26) inside the granter's scope;
* a user is modified only by someone who holds all of that user's permissions and covers all of
  that user's grants (so resetting a password never hands over more than the manager holds).
"""

from __future__ import annotations

from operational.accounts.models import RoleGrant
from operational.accounts.principal import Principal
from operational.accounts.roles import ROLES, SUPER_ADMIN, institution_codes, permissions_of
from operational.common.errors import InvalidRequest, PermissionDenied


def check_institution_code(code: str) -> None:
    """Refuse a code that is not one of the district's institutions."""
    if code not in institution_codes():
        raise InvalidRequest(f"机构代码 {code} 不存在（应为 JA01–JA26）")


def check_grant(principal: Principal, *, role: str, institution_code: str | None) -> None:
    """Raise unless ``principal`` may grant (or revoke) ``role`` at ``institution_code``."""
    definition = ROLES.get(role)
    if definition is None:
        raise InvalidRequest(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    if role == SUPER_ADMIN and SUPER_ADMIN not in principal.roles:
        raise PermissionDenied("只有超级管理员可以授予或收回超级管理员角色")
    missing = sorted(definition.permissions - principal.permissions)
    if missing:
        raise PermissionDenied(
            f"不能授予超出本人权限的角色“{role}”（缺少权限：{'、'.join(missing)}）",
            details={"missing_permissions": missing},
        )
    if definition.scope == "district":
        if institution_code is not None:
            raise InvalidRequest(f"区级角色“{role}”不绑定机构，请勿填写机构代码")
        if not principal.is_district:
            raise PermissionDenied(f"机构账号不能授予区级角色“{role}”")
        return
    if institution_code is None:
        raise InvalidRequest(f"机构类角色“{role}”须指定机构代码")
    check_institution_code(institution_code)
    if not principal.covers_institution(institution_code):
        raise PermissionDenied(f"不能授予本人数据范围以外的机构（{institution_code}）")


def check_manageable(principal: Principal, *, grants: list[RoleGrant]) -> None:
    """Raise unless ``principal`` may modify a user holding ``grants`` (the user is already in scope)."""
    roles = frozenset(grant.role for grant in grants)
    if SUPER_ADMIN in roles and SUPER_ADMIN not in principal.roles:
        raise PermissionDenied("只有超级管理员可以管理超级管理员账号")
    if not permissions_of(roles) <= principal.permissions:
        raise PermissionDenied("该账号的权限超出您的权限，不能修改")
    for grant in grants:
        if not principal.covers_institution(grant.institution_code):
            raise PermissionDenied("该账号持有您数据范围以外的角色，不能修改")
