{#- One row per appointment (its latest version), with whether it was cancelled in time and
    whether a registration that was not cancelled (退号) fulfilled it. -#}
with

appointments as (

    select * from {{ ref('int_appointments_deduplicated') }}

),

fulfilling_registrations as (

    select
        institution_code,
        appointment_id,
        min(registration_id) as registration_id
    from {{ ref('int_registrations_deduplicated') }}
    where appointment_id is not null
        and coalesce(status, 'normal') <> 'cancelled'
    group by institution_code, appointment_id

),

final as (

    select
        {{ dbt.concat(['appointments.institution_code', "':'", 'appointments.appointment_id']) }} as appointment_key,
        appointments.institution_code,
        appointments.appointment_id,
        {{ dbt.concat(['appointments.institution_code', "':'", 'appointments.department_code']) }} as department_key,
        {{ dbt.concat(['appointments.institution_code', "':'", 'appointments.doctor_code']) }} as doctor_key,
        appointments.department_code,
        appointments.department_name,
        appointments.doctor_code,
        appointments.doctor_name,
        appointments.patient_key,
        appointments.patient_name_masked,
        appointments.patient_phone_masked,
        appointments.patient_id_number_masked,
        appointments.gender,
        appointments.birth_date,
        appointments.channel,
        appointments.status,
        coalesce(appointments.status = 'cancelled', false) as is_cancelled,
        coalesce(
            appointments.status = 'cancelled' and appointments.cancelled_at < appointments.slot_start_at,
            false
        ) as cancelled_in_time,
        fulfilling_registrations.registration_id is not null as is_fulfilled,
        fulfilling_registrations.registration_id as fulfilling_registration_id,
        appointments.created_at,
        appointments.created_date,
        appointments.slot_start_at,
        appointments.slot_date,
        appointments.cancelled_at,
        appointments.cancelled_date,
        appointments.source,
        appointments.partition_date,
        appointments.record_version_at
    from appointments
    left join fulfilling_registrations
        on appointments.institution_code = fulfilling_registrations.institution_code
        and appointments.appointment_id = fulfilling_registrations.appointment_id

)

select * from final
