"""The one set of masking rules, and pseudonyms for data leaving to third parties."""

from __future__ import annotations

import pytest

from operational.security.keys import FileKeyProvider
from operational.security.masking import (
    mask_address,
    mask_bank_card,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_record,
    pseudonymize,
)


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张小三", "张*三"),
        ("张三", "张*"),
        ("欧阳小明", "欧**明"),
        ("张", "*"),
        (" 李四 ", "李*"),
        ("", ""),
        (None, None),
    ],
)
def test_name_keeps_first_and_last_character(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        ("138 1234 1234", "138****1234"),
        ("+86 138-1234-1234", "+86138****1234"),
        ("62345678", "****5678"),
        ("1234567", "*******"),
        ("110", "***"),
        (None, None),
    ],
)
def test_phone_keeps_first_three_and_last_four_digits(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("id_number", "masked"),
    [
        ("310106199001011234", "310***********1234"),
        ("11010519491231002X", "110***********002X"),
        ("310106900101123", "310********1123"),
        ("E1234567", "********"),
        (None, None),
    ],
)
def test_id_number_keeps_first_three_and_last_four(id_number, masked):
    assert mask_id_number(id_number) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("上海市静安区南京西路1266号", "上海市静安区***"),
        ("浙江省杭州市西湖区文三路90号", "浙江省杭州市西湖区***"),
        ("新疆维吾尔自治区乌鲁木齐市天山区解放路8号", "新疆维吾尔自治区乌鲁木齐市天山区***"),
        ("内蒙古自治区鄂尔多斯市伊金霍洛旗阿勒腾席热镇", "内蒙古自治区鄂尔多斯市伊金霍洛旗***"),
        ("江苏省昆山市玉山镇朝阳路5号", "江苏省昆山市***"),
        ("上海 静安区 常德路 9 号", "上海静安区***"),
    ],
)
def test_address_keeps_province_city_and_district(address, masked):
    assert mask_address(address) == masked


@pytest.mark.parametrize("address", ["阳光花园小区5号楼301室", "南京西路1266号", "曹杨社区卫生服务中心"])
def test_address_without_recognisable_units_is_masked_entirely(address):
    assert mask_address(address) == "***"


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("zhangsan@example.com", "z*******@example.com"),
        ("a@x.cn", "*@x.cn"),
        ("not-an-email", "************"),
    ],
)
def test_email_keeps_first_character_and_domain(email, masked):
    assert mask_email(email) == masked


@pytest.mark.parametrize(
    ("card", "masked"),
    [
        ("6222021234567890123", "6222***********0123"),
        ("6222 0212 3456 7890", "6222********7890"),
        ("12345", "*****"),
    ],
)
def test_bank_card_keeps_first_four_and_last_four(card, masked):
    assert mask_bank_card(card) == masked


def test_mask_record_masks_each_listed_field_by_its_kind_and_leaves_the_rest():
    record = {"name": "张小三", "phone": "13812341234", "visit_id": "V1", "address": None}
    masked = mask_record(record, {"name": "name", "phone": "phone", "address": "address", "email": "email"})
    assert masked == {"name": "张*三", "phone": "138****1234", "visit_id": "V1", "address": None}
    assert record["name"] == "张小三"


def test_mask_record_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="phon"):
        mask_record({"phone": "13812341234"}, {"phone": "phon"})


def test_pseudonym_is_stable_for_one_purpose(provider: FileKeyProvider):
    first = pseudonymize("310106199001011234", kind="id_number", purpose="ai-report", provider=provider)
    assert first == pseudonymize(
        "310106199001011234", kind="id_number", purpose="ai-report", provider=provider
    )


def test_pseudonym_differs_between_purposes(provider: FileKeyProvider):
    for_ai = pseudonymize("310106199001011234", kind="id_number", purpose="ai-report", provider=provider)
    assert for_ai != pseudonymize(
        "310106199001011234", kind="id_number", purpose="research", provider=provider
    )


def test_pseudonym_differs_between_values(provider: FileKeyProvider):
    first = pseudonymize("13812341234", kind="phone", purpose="ai-report", provider=provider)
    assert first != pseudonymize("13812341235", kind="phone", purpose="ai-report", provider=provider)


def test_pseudonym_ignores_formatting(provider: FileKeyProvider):
    first = pseudonymize("138-1234-1234", kind="phone", purpose="ai-report", provider=provider)
    assert first == pseudonymize("13812341234", kind="phone", purpose="ai-report", provider=provider)


def test_pseudonym_is_not_the_blind_index_and_shows_no_digits_of_the_value(provider: FileKeyProvider):
    from operational.security.fields import blind_index

    token = pseudonymize("13812341234", kind="phone", purpose="ai-report", provider=provider)
    assert len(token) == 32
    assert token not in blind_index("13812341234", kind="phone", provider=provider)
    assert "12341234" not in token


def test_pseudonym_needs_a_purpose(provider: FileKeyProvider):
    with pytest.raises(ValueError, match="purpose"):
        pseudonymize("13812341234", kind="phone", purpose="", provider=provider)
