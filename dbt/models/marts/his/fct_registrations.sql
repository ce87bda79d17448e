{#- One row per outpatient registration (its latest version). -#}
with

registrations as (

    select * from {{ ref('int_registrations_deduplicated') }}

),

final as (

    select
        {{ dbt.concat(['institution_code', "':'", 'registration_id']) }} as registration_key,
        institution_code,
        registration_id,
        {{ dbt.concat(['institution_code', "':'", 'department_code']) }} as department_key,
        {{ dbt.concat(['institution_code', "':'", 'doctor_code']) }} as doctor_key,
        department_code,
        department_name,
        doctor_code,
        doctor_name,
        patient_key,
        patient_name_masked,
        patient_phone_masked,
        patient_id_number_masked,
        gender,
        birth_date,
        visit_type,
        status,
        coalesce(status = 'cancelled', false) as is_cancelled,
        appointment_id is not null as is_from_appointment,
        appointment_id,
        fee_yuan,
        registered_at,
        registered_date,
        source,
        partition_date,
        record_version_at
    from registrations

)

select * from final
