{#- ITS.REG: outpatient registrations (挂号) per institution and district (docs/indicators.md).
    A registration counts unless it was cancelled (退号); 急诊 counts. -#}
{%- set registrations = ref('fct_registrations') -%}
{%- set periods = ['day', 'month', 'year'] -%}

{{ union_indicators([
    period_count(
        code='ITS.REG.registrations_today', relation=registrations, date_column='registered_date',
        where='not is_cancelled', grains=periods, per_institution=true,
    ),
    period_count(
        code='ITS.REG.registrations_cumulative', relation=registrations, date_column='registered_date',
        where='not is_cancelled', grains=['cumulative'], per_institution=true,
    ),
    period_count(
        code='ITS.REG.registrations_trend', relation=registrations, date_column='registered_date',
        where='not is_cancelled', grains=['day', 'month'],
    ),
    period_count(
        code='ITS.REG.registrations_by_institution', relation=registrations, date_column='registered_date',
        where='not is_cancelled', grains=['day'], per_institution=true,
    ),
    period_count(
        code='ITS.REG.registrations_ranking', relation=registrations, date_column='registered_date',
        where='not is_cancelled', grains=periods, per_institution=true,
    ),
    period_count(
        code='ITS.REG.registrations_detail', relation=ref('detail_registrations'), date_column='registered_date',
        grains=['day'], per_institution=true,
    ),
]) }}
