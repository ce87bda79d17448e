"""Request and response bodies of the accounts and sign-in endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Username = Field(
    pattern=r"^[A-Za-z][A-Za-z0-9_.-]{2,63}$", description="登录名：字母开头，3–64 位字母、数字或 _ . -"
)
InstitutionCode = Field(default=None, pattern=r"^JA\d{2}$", description="机构代码（JA01–JA26）")
NextStep = Literal["none", "change_password", "enrol_totp"]


class LoginRequest(BaseModel):
    """用户名、密码；失败多次后须带图形验证码；已绑定动态口令的账号须带 TOTP 验证码。"""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    captcha_id: str | None = Field(default=None, max_length=64)
    captcha_answer: str | None = Field(default=None, max_length=16)
    totp_code: str | None = Field(default=None, max_length=8)


class MePublic(BaseModel):
    """当前登录账号的身份、角色、权限与数据范围。"""

    user_id: str
    username: str
    roles: list[str]
    permissions: list[str]
    institution_codes: list[str] | None = Field(description="可见机构；null 表示全区")
    department_code: str | None
    next_step: NextStep = Field(
        description="none：可正常使用；change_password：须先改密码；enrol_totp：须先绑定动态口令"
    )


class LoginPublic(BaseModel):
    """登录成功：会话令牌只返回这一次，请放在 `Authorization: Bearer <token>` 中。"""

    token: str
    token_type: Literal["bearer"] = "bearer"
    session_id: str
    expires_at: dt.datetime = Field(description="会话绝对过期时间；闲置超时另计")
    idle_minutes: int
    me: MePublic


class PasswordChange(BaseModel):
    """修改本人密码。"""

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class NextStepPublic(BaseModel):
    """操作完成后本会话的下一步。"""

    next_step: NextStep


class CaptchaPublic(BaseModel):
    """图形验证码：PNG 图片（base64）与编号，登录时回传编号和识别结果。"""

    captcha_id: str
    image_png_base64: str
    expires_in_seconds: int


class TotpSetupPublic(BaseModel):
    """动态口令绑定信息：用身份验证器 App 扫描 otpauth URI（或手工输入密钥）。"""

    otpauth_uri: str
    secret: str


class TotpConfirm(BaseModel):
    """身份验证器显示的 6 位验证码。"""

    code: str = Field(pattern=r"^\d{6}$")


class SessionPublic(BaseModel):
    """一个登录会话。"""

    model_config = ConfigDict(from_attributes=True)

    id: str
    source_ip: str | None
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime


class RoleGrantCreate(BaseModel):
    """授予角色：机构类角色须指定机构（默认为账号所属机构），区级角色不指定机构。"""

    role: str = Field(max_length=32)
    institution_code: str | None = InstitutionCode
    department_code: str | None = Field(default=None, max_length=32)


class RoleGrantPublic(BaseModel):
    """账号持有的一个角色。"""

    model_config = ConfigDict(from_attributes=True)

    role: str
    institution_code: str | None
    department_code: str | None
    granted_at: dt.datetime


class UserCreate(BaseModel):
    """新建工作人员账号；初始密码由系统生成，只返回一次，首次登录须修改。"""

    username: str = Username
    real_name: str = Field(min_length=1, max_length=64)
    phone: str | None = Field(default=None, pattern=r"^\+?\d[\d -]{6,19}$")
    institution_code: str | None = InstitutionCode
    department_code: str | None = Field(default=None, max_length=32)
    roles: list[RoleGrantCreate] = Field(default_factory=list)


class UserUpdate(BaseModel):
    """修改账号：姓名、手机号、科室、启用/停用（停用立即终止其全部会话）。"""

    real_name: str | None = Field(default=None, min_length=1, max_length=64)
    phone: str | None = Field(default=None, pattern=r"^\+?\d[\d -]{6,19}$")
    department_code: str | None = Field(default=None, max_length=32)
    is_active: bool | None = None


class UserPublic(BaseModel):
    """账号信息；姓名与手机号均已脱敏。"""

    id: str
    username: str
    real_name_masked: str | None
    phone_masked: str | None
    institution_code: str | None
    department_code: str | None
    is_active: bool
    is_locked: bool
    must_change_password: bool
    totp_enabled: bool
    roles: list[RoleGrantPublic]
    created_at: dt.datetime
    last_login_at: dt.datetime | None


class UserCreated(BaseModel):
    """新账号与初始密码（仅此一次显示，请通过安全渠道交给本人）。"""

    user: UserPublic
    temporary_password: str


class PasswordResetPublic(BaseModel):
    """重置后的临时密码（仅此一次显示）；本人下次登录须修改。"""

    temporary_password: str


class ApiKeyCreate(BaseModel):
    """新建医院系统接入密钥。"""

    name: str = Field(min_length=1, max_length=128)
    institution_code: str = Field(pattern=r"^JA\d{2}$")
    permissions: list[str] = Field(min_length=1)
    ip_allowlist: list[str] = Field(min_length=1, description="允许访问的来源地址（CIDR，如 10.1.2.0/24）")
    rate_limit_per_minute: int = Field(default=60, ge=1, le=10_000)
    expires_at: dt.datetime | None = Field(default=None, description="过期时间；不填为一年后")


class ApiKeyPublic(BaseModel):
    """系统接入密钥（不含密钥本身）。"""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    prefix: str
    institution_code: str
    permissions: list[str]
    ip_allowlist: list[str]
    rate_limit_per_minute: int
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    created_at: dt.datetime
    last_used_at: dt.datetime | None


class ApiKeyCreated(BaseModel):
    """新密钥：`api_key` 只返回这一次，请放在请求头 `X-API-Key` 中。"""

    key: ApiKeyPublic
    api_key: str
