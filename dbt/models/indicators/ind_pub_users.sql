{#- PUB.USERS: registered and real-name-verified 健康静安 users (docs/indicators.md).
    Each code is declared once; grains and dimensions follow ../shared/indicators.yaml. -#}
{%- set users = ref('fct_wechat_users') -%}
{%- set trend = ['day', 'month', 'year'] -%}

{{ union_indicators([
    period_count(
        code='PUB.USERS.registered_cumulative', relation=users, date_column='registered_date',
        grains=['cumulative'],
    ),
    period_count(
        code='PUB.USERS.verified_cumulative', relation=users, date_column='verified_date',
        where='is_verified', grains=['cumulative'], dimensions=['gender', 'age_band'],
    ),
    period_count(
        code='PUB.USERS.registered_daily', relation=users, date_column='registered_date',
        grains=trend,
    ),
    period_count(
        code='PUB.USERS.verified_daily', relation=users, date_column='verified_date',
        where='is_verified', grains=trend,
    ),
    period_count(
        code='PUB.USERS.manual_review_cumulative', relation=users, date_column='manual_decided_date',
        grains=['day', 'month', 'year', 'cumulative'],
    ),
    period_count(
        code='PUB.USERS.verified_by_gender', relation=users, date_column='verified_date',
        where='is_verified', grains=['cumulative'], dimensions=['gender'],
    ),
    period_count(
        code='PUB.USERS.verified_by_age', relation=users, date_column='verified_date',
        where='is_verified', grains=['cumulative'], dimensions=['age_band'],
    ),
    period_count(
        code='PUB.USERS.manual_review_applications', relation=users, date_column='manual_applied_date',
        grains=trend,
    ),
    period_count(
        code='PUB.USERS.manual_review_processed', relation=users, date_column='manual_decided_date',
        grains=trend,
    ),
]) }}
