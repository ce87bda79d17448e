import datetime as dt

import polars as pl

from pipelines.simulate.china_id import (
    check_char,
    id_birth_date,
    id_gender,
    is_valid_id_number,
    is_valid_mobile,
)
from pipelines.simulate.people import make_population
from pipelines.simulate.streams import stream


def test_check_character_matches_the_gb11643_worked_example():
    assert check_char("11010519491231002") == "X"
    assert is_valid_id_number("11010519491231002X")
    assert not is_valid_id_number("110105194912310021")


def test_every_patient_id_number_is_valid_and_agrees_with_birth_date_and_gender(small_truth):
    patients = small_truth["patients"]
    assert patients["id_number"].n_unique() == patients.height
    for id_number, birth_date, gender in patients.select("id_number", "birth_date", "gender").iter_rows():
        assert is_valid_id_number(id_number), id_number
        assert id_number.startswith(("31", "32", "33", "34", "35", "36", "37", "41", "42", "51"))
        assert id_birth_date(id_number) == birth_date
        assert id_gender(id_number) == gender


def test_most_id_numbers_carry_shanghai_area_codes(small_truth):
    shanghai = small_truth["patients"]["id_number"].str.starts_with("310").mean()
    assert shanghai > 0.8


def test_phones_are_valid_mainland_mobiles(small_truth):
    phones = small_truth["patients"]["phone"].to_list()
    assert all(is_valid_mobile(phone) for phone in phones)
    assert not is_valid_mobile("12012345678")


def test_residents_age_structure_has_about_37_percent_over_60():
    population = make_population(stream(1, "people"), size=50_000, reference_day=dt.date(2024, 3, 1))
    share_60_plus = (population["age"] >= 60).mean()
    assert 0.34 < share_60_plus < 0.40


def test_patients_are_older_than_residents(small_truth):
    registrations = small_truth["registrations"].join(small_truth["patients"], on="patient_id")
    age = (pl.lit(dt.date(2024, 3, 1)) - pl.col("birth_date")).dt.total_days() / 365.25
    share_60_plus = registrations.select((age >= 60).mean()).item()
    assert share_60_plus > 0.45


def test_names_are_chinese_and_two_or_three_characters(small_truth):
    names = small_truth["patients"]["name"]
    assert names.str.len_chars().is_between(2, 3).all()
    assert names.str.contains(r"^[\u4e00-\u9fff]+$").all()
