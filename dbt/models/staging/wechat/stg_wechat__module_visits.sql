with

source as (

    select * from {{ source('wechat', 'module_visits') }}

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
        {{ map_code('wechat', 'module', 'module_code') }} as module,
        visited_at,
        {{ local_date('visited_at') }} as visited_date

    from source

)

select * from renamed
