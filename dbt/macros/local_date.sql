{#- Asia/Shanghai business date of a naive-UTC timestamp. Shanghai is UTC+8 with no daylight
    saving, so a fixed offset is exact and portable (no time-zone database needed). -#}
{% macro local_date(utc_timestamp) -%}
    cast({{ dbt.dateadd('hour', 8, utc_timestamp) }} as date)
{%- endmacro %}
