{{ config(materialized="view") }}

{#- The four HIS vendors' registrations in one canonical model (same columns after staging). -#}
{%- set vendors = ['his_a', 'his_b', 'his_c', 'his_d'] -%}

with

{% for vendor in vendors -%}
{{ vendor }} as (

    select * from {{ ref('stg_' ~ vendor ~ '__registrations') }}

),

{% endfor -%}

unioned as (

    {% for vendor in vendors -%}
    select * from {{ vendor }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned
