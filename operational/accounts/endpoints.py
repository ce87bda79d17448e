"""HTTP endpoints of sign-in (``/api/v1/auth``) and account administration (``/api/v1/accounts``).

Docstrings are the OpenAPI descriptions, in Chinese, for hospital integrators.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from operational.accounts import admin, repository, service, sessions
from operational.accounts.captcha import create_captcha
from operational.accounts.dependencies import (
    AnySession,
    CurrentClock,
    CurrentConfig,
    CurrentPrincipal,
    DbSession,
    client_ip,
    require_permission,
)
from operational.accounts.models import User
from operational.accounts.principal import Principal
from operational.accounts.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    CaptchaPublic,
    LoginPublic,
    LoginRequest,
    MePublic,
    NextStepPublic,
    PasswordChange,
    PasswordResetPublic,
    RoleGrantCreate,
    RoleGrantPublic,
    SessionPublic,
    TotpConfirm,
    TotpSetupPublic,
    UserCreate,
    UserCreated,
    UserPublic,
    UserUpdate,
)
from operational.security.masking import mask_name, mask_phone

auth_router = APIRouter(prefix="/api/v1/auth", tags=["登录认证"])
accounts_router = APIRouter(prefix="/api/v1/accounts", tags=["账号与权限"])

_NEXT_STEP = {
    sessions.FULL: "none",
    sessions.PASSWORD_CHANGE: "change_password",
    sessions.TOTP_ENROL: "enrol_totp",
}

CanRead = Annotated[Principal, Depends(require_permission("accounts.read"))]
CanManage = Annotated[Principal, Depends(require_permission("accounts.manage"))]
CanGrant = Annotated[Principal, Depends(require_permission("roles.grant"))]
CanManageKeys = Annotated[Principal, Depends(require_permission("api_keys.manage"))]


def _me(principal: Principal, purpose: str) -> MePublic:
    codes = principal.institution_codes
    return MePublic(
        user_id=str(principal.user_id),
        username=principal.username,
        roles=sorted(principal.roles),
        permissions=sorted(principal.permissions),
        institution_codes=None if codes is None else sorted(codes),
        department_code=principal.department_code,
        next_step=_NEXT_STEP[purpose],  # type: ignore[arg-type]
    )


def _user_public(user: User, session: DbSession) -> UserPublic:
    grants = sessions.load_grants(session, user.id)
    return UserPublic(
        id=user.id,
        username=user.username,
        real_name_masked=mask_name(user.real_name),
        phone_masked=mask_phone(user.phone),
        institution_code=user.institution_code,
        department_code=user.department_code,
        is_active=user.is_active,
        is_locked=user.locked_until is not None,
        must_change_password=user.must_change_password,
        totp_enabled=user.totp_enabled,
        roles=[RoleGrantPublic.model_validate(grant) for grant in grants],
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


# --- sign-in ---------------------------------------------------------------------------------


@auth_router.post("/login", response_model=LoginPublic, summary="登录")
def post_login(
    body: LoginRequest, request: Request, session: DbSession, config: CurrentConfig, clock: CurrentClock
) -> LoginPublic:
    """用户名密码登录，返回会话令牌（之后放在 `Authorization: Bearer <token>` 中）。

    * 用户名不存在与密码错误返回同一提示（401 `invalid_credentials`）；
    * 连续失败达到上限后账号锁定（423 `account_locked`，提示剩余分钟数）；
    * 失败多次后须先调用 `GET /api/v1/auth/captcha` 并带上 `captcha_id`、`captcha_answer`（401 `captcha_required`）；
    * 已绑定动态口令的账号须带 `totp_code`（401 `totp_required`）；
    * 首次登录、密码被重置或已过期时，返回的会话只能修改密码（`me.next_step = change_password`）；
      管理员类账号未绑定动态口令时只能绑定（`enrol_totp`）。
    """
    result = service.login(
        session,
        username=body.username,
        password=body.password,
        captcha_id=body.captcha_id,
        captcha_answer=body.captcha_answer,
        totp_code=body.totp_code,
        source_ip=client_ip(request),
        now=clock(),
        config=config,
    )
    return LoginPublic(
        token=result.token,
        session_id=result.session_id,
        expires_at=result.expires_at,
        idle_minutes=config.session_minutes,
        me=_me(result.principal, result.purpose),
    )


@auth_router.post("/logout", status_code=204, summary="退出登录")
def post_logout(principal: AnySession, session: DbSession, clock: CurrentClock) -> Response:
    """结束当前会话，令牌随即失效。"""
    service.logout(session, principal=principal, now=clock())
    return Response(status_code=204)


@auth_router.get("/me", response_model=MePublic, summary="当前账号")
def get_me(
    principal: AnySession, request: Request, session: DbSession, config: CurrentConfig, clock: CurrentClock
) -> MePublic:
    """当前登录账号的角色、权限、数据范围，以及是否须先修改密码或绑定动态口令。"""
    user = session.get(User, principal.user_id)
    assert user is not None
    return _me(principal, sessions.required_purpose(user, principal.roles, now=clock(), config=config))


@auth_router.post("/password", response_model=NextStepPublic, summary="修改本人密码")
def post_password(
    body: PasswordChange,
    principal: AnySession,
    session: DbSession,
    config: CurrentConfig,
    clock: CurrentClock,
) -> NextStepPublic:
    """修改本人密码：至少 8 位，须含大写字母、小写字母、数字和特殊符号，不能是常见弱口令、不能包含用户名、
    不能与最近 5 次密码相同。修改后本人其他会话全部失效。"""
    purpose = service.change_password(
        session,
        principal=principal,
        current_password=body.current_password,
        new_password=body.new_password,
        now=clock(),
        config=config,
    )
    return NextStepPublic(next_step=_NEXT_STEP[purpose])  # type: ignore[arg-type]


@auth_router.get("/captcha", response_model=CaptchaPublic, summary="获取图形验证码")
def get_captcha(session: DbSession, config: CurrentConfig, clock: CurrentClock) -> CaptchaPublic:
    """返回一张 PNG 图形验证码（base64）及其编号；5 分钟内有效，只能使用一次，不区分大小写。"""
    captcha_id, image, _ = create_captcha(session, now=clock(), config=config)
    return CaptchaPublic(
        captcha_id=captcha_id, image_png_base64=image, expires_in_seconds=config.captcha_minutes * 60
    )


@auth_router.post("/totp/setup", response_model=TotpSetupPublic, summary="开始绑定动态口令")
def post_totp_setup(principal: AnySession, session: DbSession) -> TotpSetupPublic:
    """生成动态口令密钥，返回 otpauth URI（用身份验证器 App 扫码）；随后调用 `/totp/confirm` 完成绑定。"""
    uri = service.start_totp_enrolment(session, principal=principal)
    secret = uri.split("secret=", 1)[1].split("&", 1)[0]
    return TotpSetupPublic(otpauth_uri=uri, secret=secret)


@auth_router.post("/totp/confirm", response_model=NextStepPublic, summary="确认绑定动态口令")
def post_totp_confirm(
    body: TotpConfirm, principal: AnySession, session: DbSession, config: CurrentConfig, clock: CurrentClock
) -> NextStepPublic:
    """输入身份验证器当前显示的 6 位验证码完成绑定；之后每次登录都须提供动态口令。"""
    purpose = service.confirm_totp_enrolment(
        session, principal=principal, code=body.code, now=clock(), config=config
    )
    return NextStepPublic(next_step=_NEXT_STEP[purpose])  # type: ignore[arg-type]


@auth_router.get("/sessions", response_model=list[SessionPublic], summary="本人的登录会话")
def get_sessions(principal: CurrentPrincipal, session: DbSession) -> list[SessionPublic]:
    """本人尚未退出或吊销的会话。"""
    return [
        SessionPublic.model_validate(row)
        for row in repository.list_sessions_of(session, str(principal.user_id))
    ]


@auth_router.delete("/sessions/{session_id}", status_code=204, summary="吊销会话")
def delete_session(
    session_id: str, principal: CurrentPrincipal, session: DbSession, clock: CurrentClock
) -> Response:
    """吊销本人的一个会话；持有账号管理权限者也可吊销其管理范围内账号的会话。"""
    service.revoke_session(session, principal=principal, session_id=session_id, now=clock())
    return Response(status_code=204)


# --- account administration ------------------------------------------------------------------


@accounts_router.get("/users", response_model=list[UserPublic], summary="账号列表")
def list_users(
    principal: CanRead,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[UserPublic]:
    """本人数据范围内的账号（机构账号只能看到本机构账号）；姓名、手机号脱敏显示。"""
    return [
        _user_public(user, session)
        for user in repository.list_users(session, principal, limit=limit, offset=offset)
    ]


@accounts_router.get("/users/{user_id}", response_model=UserPublic, summary="账号详情")
def get_user(user_id: str, principal: CanRead, session: DbSession) -> UserPublic:
    """账号详情（姓名、手机号脱敏）；超出本人数据范围的账号返回 404。每次查看均记入审计日志。"""
    return _user_public(admin.read_user(session, principal=principal, user_id=user_id), session)


@accounts_router.post("/users", response_model=UserCreated, status_code=201, summary="新建账号")
def post_user(
    body: UserCreate, principal: CanManage, session: DbSession, config: CurrentConfig, clock: CurrentClock
) -> UserCreated:
    """新建工作人员账号并可同时授予角色；返回的初始密码只显示一次，本人首次登录须修改。"""
    user, temporary = admin.create_user(session, principal=principal, data=body, now=clock(), config=config)
    return UserCreated(user=_user_public(user, session), temporary_password=temporary)


@accounts_router.patch("/users/{user_id}", response_model=UserPublic, summary="修改账号")
def patch_user(
    user_id: str, body: UserUpdate, principal: CanManage, session: DbSession, clock: CurrentClock
) -> UserPublic:
    """修改姓名、手机号、科室或启用状态；停用后该账号全部会话立即失效。"""
    return _user_public(
        admin.update_user(session, principal=principal, user_id=user_id, data=body, now=clock()), session
    )


@accounts_router.post("/users/{user_id}/roles", response_model=UserPublic, summary="授予角色")
def post_user_role(
    user_id: str, body: RoleGrantCreate, principal: CanGrant, session: DbSession, clock: CurrentClock
) -> UserPublic:
    """授予角色：只能授予本人已持有全部权限的角色、本人数据范围内的机构；超级管理员角色仅超级管理员可授予。"""
    return _user_public(
        admin.grant_role(session, principal=principal, user_id=user_id, grant=body, now=clock()), session
    )


@accounts_router.delete("/users/{user_id}/roles/{role}", status_code=204, summary="收回角色")
def delete_user_role(
    user_id: str,
    role: str,
    principal: CanGrant,
    session: DbSession,
    institution_code: Annotated[str | None, Query(pattern=r"^JA\d{2}$")] = None,
) -> Response:
    """收回角色（可用 `institution_code` 只收回某一机构的该角色）；规则同授予。"""
    admin.revoke_role(
        session, principal=principal, user_id=user_id, role=role, institution_code=institution_code
    )
    return Response(status_code=204)


@accounts_router.post(
    "/users/{user_id}/reset-password", response_model=PasswordResetPublic, summary="重置密码"
)
def post_reset_password(
    user_id: str, principal: CanManage, session: DbSession, config: CurrentConfig, clock: CurrentClock
) -> PasswordResetPublic:
    """生成新的临时密码（只显示一次），本人下次登录须修改；该账号全部会话失效并解除锁定。"""
    temporary = admin.reset_password(
        session, principal=principal, user_id=user_id, now=clock(), config=config
    )
    return PasswordResetPublic(temporary_password=temporary)


@accounts_router.post("/users/{user_id}/unlock", response_model=UserPublic, summary="解除锁定")
def post_unlock(user_id: str, principal: CanManage, session: DbSession, clock: CurrentClock) -> UserPublic:
    """提前解除因连续登录失败造成的锁定。"""
    return _user_public(
        admin.unlock_user(session, principal=principal, user_id=user_id, now=clock()), session
    )


@accounts_router.delete("/users/{user_id}/sessions", status_code=204, summary="吊销账号全部会话")
def delete_user_sessions(
    user_id: str, principal: CanManage, session: DbSession, clock: CurrentClock
) -> Response:
    """立即终止该账号的全部登录会话（如怀疑账号被盗用）。"""
    admin.revoke_sessions_of(session, principal=principal, user_id=user_id, now=clock())
    return Response(status_code=204)


@accounts_router.post("/api-keys", response_model=ApiKeyCreated, status_code=201, summary="新建系统接入密钥")
def post_api_key(
    body: ApiKeyCreate, principal: CanManageKeys, session: DbSession, clock: CurrentClock
) -> ApiKeyCreated:
    """为医院系统创建接入密钥：绑定一家机构、本人权限的子集、来源地址白名单和每分钟调用上限。
    密钥只返回这一次（平台只保存其哈希），调用时放在请求头 `X-API-Key` 中。"""
    row, key = admin.create_api_key(session, principal=principal, data=body, now=clock())
    return ApiKeyCreated(key=ApiKeyPublic.model_validate(row), api_key=key)


@accounts_router.get("/api-keys", response_model=list[ApiKeyPublic], summary="系统接入密钥列表")
def list_api_keys(principal: CanManageKeys, session: DbSession) -> list[ApiKeyPublic]:
    """本人数据范围内机构的接入密钥（不含密钥本身）。"""
    return [ApiKeyPublic.model_validate(row) for row in repository.list_api_keys(session, principal)]


@accounts_router.delete("/api-keys/{key_id}", status_code=204, summary="吊销系统接入密钥")
def delete_api_key(
    key_id: str, principal: CanManageKeys, session: DbSession, clock: CurrentClock
) -> Response:
    """立即吊销接入密钥；超出本人数据范围的密钥返回 404。"""
    admin.revoke_api_key(session, principal=principal, key_id=key_id, now=clock())
    return Response(status_code=204)
