{#- Every raw code of a source column has a canonical value in the code_map seed. -#}
{% test code_is_mapped(model, column_name, source_name, field) %}
    select distinct trim(cast(landed.{{ column_name }} as {{ dbt.type_string() }})) as unmapped_code
    from {{ model }} as landed
    where landed.{{ column_name }} is not null
        and trim(cast(landed.{{ column_name }} as {{ dbt.type_string() }})) not in (
            select code_map.source_code
            from {{ ref('code_map') }} as code_map
            where code_map.source = '{{ source_name }}'
                and code_map.field = '{{ field }}'
        )
{% endtest %}
