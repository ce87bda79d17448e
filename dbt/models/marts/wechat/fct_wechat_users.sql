{#- One row per 健康静安 user (latest version): registration and real-name verification. -#}
with

users as (

    select * from {{ ref('int_wechat_users_deduplicated') }}

),

final as (

    select
        user_id,
        patient_key,
        patient_name_masked,
        patient_phone_masked,
        patient_id_number_masked,
        gender,
        birth_date,
        verify_status,
        verify_method,
        coalesce(verify_status = 'verified', false) as is_verified,
        manual_decided_at is not null as has_manual_decision,
        registered_at,
        registered_date,
        verified_at,
        verified_date,
        manual_applied_at,
        manual_applied_date,
        manual_decided_at,
        manual_decided_date,
        partition_date,
        record_version_at
    from users

)

select * from final
