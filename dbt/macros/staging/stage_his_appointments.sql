{#- The staging recipe shared by the four HIS vendors: their adapters land the same columns, so
    only the source (and with it the code map) differs. One model per source still calls it. -#}
{% macro stage_his_appointments(source_name) %}
with

source as (

    select * from {{ source(source_name, 'appointments') }}

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
        {{ map_code(source_name, 'gender', 'patient_gender_code') }} as gender,
        patient_birth_date as birth_date,

        -- appointment
        {{ map_code(source_name, 'channel', 'channel_code') }} as channel,
        {{ map_code(source_name, 'appointment_status', 'status_code') }} as status,
        created_at,
        slot_start_at,
        cancelled_at,
        {{ local_date('created_at') }} as created_date,
        {{ local_date('slot_start_at') }} as slot_date,
        {{ local_date('cancelled_at') }} as cancelled_date

    from source

)

select * from renamed
{% endmacro %}
