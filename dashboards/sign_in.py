"""Sign-in for the Streamlit pages, on the same accounts, sessions and rules as the API.

The session token lives in ``st.session_state`` only (never in the URL). A restricted session (first
sign-in, expired password, privileged role without TOTP) finishes its duty here: change the
password, then bind the authenticator from a QR code. The big screen shows district-wide figures,
so it needs ``indicators.read`` with district scope.
"""

from __future__ import annotations

import base64
import io

import qrcode
import streamlit as st

from operational.accounts import service, sessions
from operational.accounts.captcha import create_captcha
from operational.accounts.config import get_accounts_config, utc_now
from operational.accounts.errors import CaptchaInvalid, CaptchaRequired
from operational.accounts.principal import Principal
from operational.common import db
from operational.common.errors import DomainError

TOKEN_KEY = "auth_token"
_CAPTCHA_KEY = "auth_captcha"


def _source_ip() -> str | None:
    address = getattr(st.context, "ip_address", None)
    return address if isinstance(address, str) else None  # None outside a served session (AppTest)


def _resolve(token: str) -> tuple[Principal, str] | None:
    with db.new_session() as session:
        resolved = sessions.resolve_session(
            session, token, now=utc_now(), config=get_accounts_config(), source_ip=_source_ip()
        )
        session.commit()
        return resolved


def _show_captcha() -> None:
    with db.new_session() as session:
        captcha_id, png_base64, _ = create_captcha(session, now=utc_now(), config=get_accounts_config())
        session.commit()
    st.session_state[_CAPTCHA_KEY] = (captcha_id, png_base64)


def _sign_in_form() -> None:
    st.markdown("### 静安区互联网运营监管平台 · 登录")
    captcha = st.session_state.get(_CAPTCHA_KEY)
    with st.form("sign_in"):
        username = st.text_input("用户名")
        password = st.text_input("密码", type="password")
        totp_code = st.text_input("动态口令（已绑定的账号填写）", max_chars=6)
        captcha_answer = None
        if captcha:
            st.image(base64.b64decode(captcha[1]), caption="图形验证码")
            captcha_answer = st.text_input("验证码")
        submitted = st.form_submit_button("登录")
    if not submitted:
        return
    if not username or not password:
        st.error("请输入用户名和密码")
        return
    try:
        with db.new_session() as session:
            result = service.login(
                session,
                username=username,
                password=password,
                source_ip=_source_ip(),
                captcha_id=captcha[0] if captcha else None,
                captcha_answer=captcha_answer,
                totp_code=totp_code or None,
            )
            session.commit()
    except (CaptchaRequired, CaptchaInvalid) as error:
        _show_captcha()
        st.error(error.message)
        return
    except DomainError as error:
        st.error(error.message)
        return
    st.session_state.pop(_CAPTCHA_KEY, None)
    st.session_state[TOKEN_KEY] = result.token
    st.rerun()


def _change_password(principal: Principal) -> None:
    st.info("首次登录、密码被重置或已到期：请先修改密码（至少 8 位，含大写、小写字母、数字和符号）。")
    with st.form("change_password"):
        current = st.text_input("当前密码", type="password")
        new = st.text_input("新密码", type="password")
        again = st.text_input("再次输入新密码", type="password")
        submitted = st.form_submit_button("修改密码")
    if not submitted:
        return
    if new != again:
        st.error("两次输入的新密码不一致")
        return
    try:
        with db.new_session() as session:
            service.change_password(
                session,
                principal=principal,
                current_password=current,
                new_password=new,
                now=utc_now(),
                config=get_accounts_config(),
            )
            session.commit()
    except DomainError as error:
        st.error(error.message)
        return
    st.rerun()


def _qr_png(uri: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(uri).save(buffer, format="PNG")
    return buffer.getvalue()


def _bind_totp(principal: Principal) -> None:
    st.info(
        "管理员账号须绑定动态口令：用手机验证器（如 Microsoft / Google Authenticator）扫描二维码，再输入 6 位口令。"
    )
    uri = st.session_state.get("auth_totp_uri")
    if uri is None:
        try:
            with db.new_session() as session:
                uri = service.start_totp_enrolment(session, principal=principal)
                session.commit()
        except DomainError as error:
            st.error(error.message)
            return
        st.session_state["auth_totp_uri"] = uri
    st.image(_qr_png(uri), width=220)
    with st.form("bind_totp"):
        code = st.text_input("动态口令", max_chars=6)
        submitted = st.form_submit_button("绑定")
    if not submitted:
        return
    try:
        with db.new_session() as session:
            service.confirm_totp_enrolment(
                session, principal=principal, code=code, now=utc_now(), config=get_accounts_config()
            )
            session.commit()
    except DomainError as error:
        st.error(error.message)
        return
    st.session_state.pop("auth_totp_uri", None)
    st.rerun()


def require_district_reader() -> Principal | None:
    """The signed-in district-level reader of the big screen; otherwise render what is due and return None."""
    token = st.session_state.get(TOKEN_KEY)
    resolved = _resolve(token) if token else None
    if resolved is None:
        st.session_state.pop(TOKEN_KEY, None)
        _sign_in_form()
        return None
    principal, purpose = resolved
    if purpose == sessions.PASSWORD_CHANGE:
        _change_password(principal)
        return None
    if purpose == sessions.TOTP_ENROL:
        _bind_totp(principal)
        return None
    if not principal.has_permission("indicators.read") or not principal.is_district:
        st.error("运营监管大屏展示全区数据，仅限区级账号（区卫健委管理员等）查看")
        return None
    return principal
