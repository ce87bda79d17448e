{#- One row per day (column date_day) from `start_date` to `end_date` inclusive, both SQL
    expressions over `bounds_relation` (one row). Portable: dbt.generate_series and dbt.dateadd;
    the series covers 40,000 days (about 109 years), far beyond any data window. -#}
{% macro days_between(bounds_relation, start_date, end_date) -%}
    select cast({{ dbt.dateadd('day', 'series.generated_number - 1', 'bounds.' ~ start_date) }} as date) as date_day
    from ({{ dbt.generate_series(40000) }}) as series
    cross join {{ bounds_relation }} as bounds
    where {{ dbt.dateadd('day', 'series.generated_number - 1', 'bounds.' ~ start_date) }} <= bounds.{{ end_date }}
{%- endmacro %}
