{#- The canonical value of a raw source code, looked up in the code_map seed.
    A scalar subquery rather than a join keeps staging models join-free and lets each column
    map through its own field; an unknown code maps to NULL (caught by the staging tests). -#}
{% macro map_code(source_name, field, column) -%}
    (
        select code_map.canonical_value
        from {{ ref('code_map') }} as code_map
        where code_map.source = '{{ source_name }}'
            and code_map.field = '{{ field }}'
            and code_map.source_code = trim(cast({{ column }} as {{ dbt.type_string() }}))
    )
{%- endmacro %}
