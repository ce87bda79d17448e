{#- Full years between a birth date and a day (the birthday itself counts). -#}
{% macro age_in_years(birth_date, on_date) -%}
    (
        extract(year from {{ on_date }}) - extract(year from {{ birth_date }})
        - case
            when extract(month from {{ on_date }}) * 100 + extract(day from {{ on_date }})
                < extract(month from {{ birth_date }}) * 100 + extract(day from {{ birth_date }})
                then 1
            else 0
        end
    )
{%- endmacro %}

{#- The age band label (var age_bands) of a person born on `birth_date`, on `on_date`. -#}
{% macro age_band(birth_date, on_date) -%}
    {%- set bands = var('age_bands') -%}
    case
        {%- for lower, label in bands | reverse %}
        when {{ age_in_years(birth_date, on_date) }} >= {{ lower }} then '{{ label }}'
        {%- endfor %}
    end
{%- endmacro %}

{#- Every age band label, one row each (column `member`), for zero-filled breakdowns. -#}
{% macro age_band_members() -%}
    {%- for lower, label in var('age_bands') %}
    select '{{ label }}' as member
    {%- if not loop.last %} union all{% endif %}
    {%- endfor %}
{%- endmacro %}
