{#- PUB.ACTIVE: daily and monthly active users and module visits of 健康静安 (docs/indicators.md). -#}
{%- set app_opens = ref('fct_app_opens') -%}

{{ union_indicators([
    distinct_count(
        code='PUB.ACTIVE.dau', relation=app_opens, date_column='opened_date', distinct_column='user_id',
        grains=['day'],
    ),
    distinct_count(
        code='PUB.ACTIVE.mau', relation=app_opens, date_column='opened_date', distinct_column='user_id',
        grains=['month'],
    ),
    period_count(
        code='PUB.ACTIVE.module_visits', relation=ref('fct_module_visits'), date_column='visited_date',
        grains=['day', 'month', 'year'], dimensions=['module'],
    ),
]) }}
