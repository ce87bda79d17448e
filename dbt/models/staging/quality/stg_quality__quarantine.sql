{#- One model over the five per-source quarantine tables: they share one schema and one
    meaning (a record that could not be landed), and the data-quality page reads them together. -#}
{%- set quarantine_sources = ['his_a', 'his_b', 'his_c', 'his_d', 'wechat'] -%}

with

{% for name in quarantine_sources -%}
source_{{ name }} as (

    select * from {{ source('quarantine', name) }}

),

{% endfor -%}

source as (

    {% for name in quarantine_sources -%}
    select * from source_{{ name }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

renamed as (

    select
        source,
        institution_code,
        partition_date,
        source_file,
        source_position,
        entity,
        reason,
        raw_excerpt

    from source

)

select * from renamed
