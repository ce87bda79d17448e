{#- The latest version of each record of `relation` by `key_columns`: latest record_version_at
    wins; ties go to the later delivery (partition_date), then file, then position. So late
    corrections replace earlier versions and exact duplicates count once. Returns the
    relation's own columns (listed at run time, so no engine-specific `* exclude`). -#}
{% macro latest_version(relation, key_columns) -%}
    select {{ column_list(relation, 'ranked') }}
    from (
        select
            versions.*,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by
                    record_version_at desc nulls last,
                    partition_date desc nulls last,
                    source_file desc nulls last,
                    source_position desc nulls last
            ) as version_rank
        from {{ relation }} as versions
    ) as ranked
    where ranked.version_rank = 1
{%- endmacro %}

{#- The columns of `relation`, qualified by `alias` (`alias.*` while dbt parses). -#}
{% macro column_list(relation, alias) -%}
    {%- if execute -%}
        {%- set names = [] -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do names.append(alias ~ '.' ~ adapter.quote(column.name)) -%}
        {%- endfor -%}
        {{ names | join(',\n        ') }}
    {%- else -%}
        {{ alias }}.*
    {%- endif -%}
{%- endmacro %}
