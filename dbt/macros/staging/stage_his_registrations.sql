{#- The staging recipe shared by the four HIS vendors: their adapters land the same columns, so
    only the source (and with it the code map) differs. One model per source still calls it. -#}
{% macro stage_his_registrations(source_name) %}
with

source as (

    select * from {{ source(source_name, 'registrations') }}

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

        registration_id,

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

        -- registration
        {{ map_code(source_name, 'visit_type', 'visit_type_code') }} as visit_type,
        {{ map_code(source_name, 'registration_status', 'status_code') }} as status,
        registered_at,
        {{ local_date('registered_at') }} as registered_date,
        appointment_id,
        fee_yuan

    from source

)

select * from renamed
{% endmacro %}
