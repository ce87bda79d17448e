with

source as (

    select * from {{ source('wechat', 'app_opens') }}

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

        event_id,
        user_id,
        opened_at,
        {{ local_date('opened_at') }} as opened_date

    from source

)

select * from renamed
