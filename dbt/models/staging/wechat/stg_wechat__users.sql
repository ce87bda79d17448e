with

source as (

    select * from {{ source('wechat', 'users') }}

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

        user_id,

        -- person (pseudonymized at the door: key and masked forms only)
        patient_key,
        patient_name_masked,
        patient_phone_masked,
        patient_id_number_masked,
        {{ map_code('wechat', 'gender', 'patient_gender_code') }} as gender,
        patient_birth_date as birth_date,

        -- account and real-name verification
        {{ map_code('wechat', 'verify_status', 'verify_status_code') }} as verify_status,
        {{ map_code('wechat', 'verify_method', 'verify_method_code') }} as verify_method,
        registered_at,
        verified_at,
        manual_applied_at,
        manual_decided_at,
        {{ local_date('registered_at') }} as registered_date,
        {{ local_date('verified_at') }} as verified_date,
        {{ local_date('manual_applied_at') }} as manual_applied_date,
        {{ local_date('manual_decided_at') }} as manual_decided_date

    from source

)

select * from renamed
