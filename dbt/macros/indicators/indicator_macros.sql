{#- The registry's vocabulary: each indicator code is declared once, in its theme model, with one
    of these. Grains come from indicators.yaml; 'cumulative' is a grain like any other. -#}

{#- Events counted per period (and per dimension member). -#}
{% macro period_count(code, relation, date_column, grains, where=none, per_institution=false, dimensions=[]) -%}
    {{ indicator_rows(
        code=code, relation=relation, date_column=date_column, grains=grains, measure='count',
        where=where, per_institution=per_institution, dimensions=dimensions
    ) }}
{%- endmacro %}

{#- Distinct values of `distinct_column` (e.g. users) among the events of each period. -#}
{% macro distinct_count(code, relation, date_column, distinct_column, grains, where=none, per_institution=false, dimensions=[]) -%}
    {{ indicator_rows(
        code=code, relation=relation, date_column=date_column, grains=grains, measure='distinct',
        distinct_column=distinct_column, where=where, per_institution=per_institution, dimensions=dimensions
    ) }}
{%- endmacro %}

{#- Percent of the period's events (denominator, `where`) that match `numerator_where`. -#}
{% macro period_ratio(code, relation, date_column, grains, numerator_where, where=none, per_institution=false) -%}
    {{ indicator_rows(
        code=code, relation=relation, date_column=date_column, grains=grains, measure='ratio',
        where=where, numerator_where=numerator_where, per_institution=per_institution
    ) }}
{%- endmacro %}

{#- One theme's indicator queries as one relation. -#}
{% macro union_indicators(queries) -%}
    {%- for query in queries %}
    select * from (
        {{ query }}
    ) as indicator_{{ loop.index }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
