{#- How a breakdown dimension of indicators.yaml is computed:
    key     - expression on the fact row that the daily pre-aggregation groups by;
    member  - expression turning `daily.member_key` into the member label, may use
              `periods.period_start` (age bands are the age on the period's day);
    members - a query of every member (column `member`), so breakdowns are zero-filled. -#}
{% macro indicator_dimension(name) -%}
    {%- if name == 'gender' -%}
        {{ return({
            'key': 'gender',
            'member': 'daily.member_key',
            'members': "select distinct canonical_value as member from " ~ ref('code_map') ~ " where field = 'gender'",
        }) }}
    {%- elif name == 'age_band' -%}
        {{ return({
            'key': 'birth_date',
            'member': age_band('daily.member_key', 'periods.period_start'),
            'members': age_band_members(),
        }) }}
    {%- elif name == 'module' -%}
        {{ return({
            'key': 'module',
            'member': 'daily.member_key',
            'members': "select distinct canonical_value as member from " ~ ref('code_map')
                ~ " where source = 'wechat' and field = 'module'",
        }) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("Unknown indicator dimension: " ~ name) }}
    {%- endif -%}
{%- endmacro %}
