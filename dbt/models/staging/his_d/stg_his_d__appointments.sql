with

source as (

    select * from {{ source('his_d', 'appointments') }}

),

renamed as (

    select
        -- lineage: where the row came from
        source,
        institution_code,
        partition_date,
        source_file,
        source_position,
        record_version_at,

        appointment_id,

        -- care site
        department_code,
        department_name,
        doctor_code,
        doctor_name,

        -- person (pseudonymized at the door: key and masked forms only)
        patient_key,
        patient_name_masked,
        patient_phone_masked,
        patient_id_number_masked,
        {{ map_code('his_d', 'gender', 'patient_gender_code') }} as gender,
        patient_birth_date as birth_date,

        -- appointment
        {{ map_code('his_d', 'channel', 'channel_code') }} as channel,
        {{ map_code('his_d', 'appointment_status', 'status_code') }} as status,
        created_at,
        slot_start_at,
        cancelled_at,
        {{ local_date('created_at') }} as created_date,
        {{ local_date('slot_start_at') }} as slot_date,
        {{ local_date('cancelled_at') }} as cancelled_date

    from source

)

select * from renamed
