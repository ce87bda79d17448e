{#- Doctors per institution with their department, from the latest record that mentions them. -#}
with

mentions as (

    select institution_code, doctor_code, doctor_name, department_code, record_version_at
    from {{ ref('int_appointments_deduplicated') }}
    union all
    select institution_code, doctor_code, doctor_name, department_code, record_version_at
    from {{ ref('int_registrations_deduplicated') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by institution_code, doctor_code
            order by record_version_at desc nulls last, doctor_name
        ) as mention_rank
    from mentions
    where doctor_code is not null

)

select
    {{ dbt.concat(['institution_code', "':'", 'doctor_code']) }} as doctor_key,
    institution_code,
    doctor_code,
    doctor_name,
    {{ dbt.concat(['institution_code', "':'", 'department_code']) }} as department_key,
    department_code
from ranked
where mention_rank = 1
