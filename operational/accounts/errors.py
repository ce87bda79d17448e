"""Errors specific to sign-in; each says in Chinese what the user can do next."""

from __future__ import annotations

from operational.common.errors import DomainError, InvalidRequest, PermissionDenied, Unauthorized


class InvalidCredentials(Unauthorized):
    """Wrong username or password (one message for both, so usernames cannot be probed)."""

    code = "invalid_credentials"
    default_message = "用户名或密码错误"


class AccountLocked(DomainError):
    """Too many failures: the account is locked for a cool-down."""

    status_code = 423
    code = "account_locked"
    default_message = "账号已被锁定，请稍后再试"


class CaptchaRequired(Unauthorized):
    """After repeated failures a captcha must accompany the sign-in."""

    code = "captcha_required"
    default_message = "登录失败次数较多，请输入图形验证码"


class CaptchaInvalid(Unauthorized):
    """The captcha answer is wrong, used or expired."""

    code = "captcha_invalid"
    default_message = "图形验证码错误或已过期，请刷新后重试"


class TotpRequired(Unauthorized):
    """The account has a second factor and the code was missing or wrong."""

    code = "totp_required"
    default_message = "请输入动态口令（TOTP）验证码"


class TotpInvalid(Unauthorized):
    """The second-factor code is wrong or was already used."""

    code = "totp_invalid"
    default_message = "动态口令验证码错误或已使用，请输入新的验证码"


class PasswordChangeRequired(PermissionDenied):
    """The session may only change the password (first sign-in, reset or expired password)."""

    code = "password_change_required"
    default_message = "首次登录、密码被重置或密码已过期，请先修改密码"


class TotpEnrolmentRequired(PermissionDenied):
    """A privileged account must bind a TOTP authenticator before doing anything else."""

    code = "totp_enrolment_required"
    default_message = "管理员账号须先绑定动态口令（TOTP）"


class WeakPassword(InvalidRequest):
    """The new password breaks one or more password rules."""

    code = "weak_password"
    default_message = "密码不符合安全要求"
