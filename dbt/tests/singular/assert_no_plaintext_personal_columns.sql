{#- No warehouse column may hold a plaintext personal field: only patient_key and masked forms.
    Column names are checked (information_schema), so a new model cannot slip one in. -#}
select table_schema, table_name, column_name
from information_schema.columns
where table_schema in ('staging', 'intermediate', 'marts', 'indicators')
    and lower(column_name) in (
        'id_number', 'patient_id_number', 'name', 'patient_name', 'phone', 'patient_phone',
        'mobile', 'id_card', 'patient_id'
    )
