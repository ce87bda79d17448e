{#- A personal field is masked: every non-empty value carries the mask character. -#}
{% test is_masked(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} is not null
        and {{ column_name }} <> ''
        and {{ column_name }} not like '%*%'
{% endtest %}
