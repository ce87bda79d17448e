{#- One row per app open of the 健康静安 service (for DAU/MAU). -#}
with

app_opens as (

    select * from {{ ref('int_app_opens_deduplicated') }}

)

select
    event_id,
    user_id,
    opened_at,
    opened_date,
    partition_date
from app_opens
