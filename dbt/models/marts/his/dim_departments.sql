{#- Departments per institution, named as the latest record that mentions them names them. -#}
with

mentions as (

    select institution_code, department_code, department_name, record_version_at
    from {{ ref('int_appointments_deduplicated') }}
    union all
    select institution_code, department_code, department_name, record_version_at
    from {{ ref('int_registrations_deduplicated') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by institution_code, department_code
            order by record_version_at desc nulls last, department_name
        ) as mention_rank
    from mentions
    where department_code is not null

)

select
    {{ dbt.concat(['institution_code', "':'", 'department_code']) }} as department_key,
    institution_code,
    department_code,
    department_name
from ranked
where mention_rank = 1
