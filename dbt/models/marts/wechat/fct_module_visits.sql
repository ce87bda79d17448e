{#- One row per visit of a 健康静安 module. -#}
with

module_visits as (

    select * from {{ ref('int_module_visits_deduplicated') }}

)

select
    event_id,
    user_id,
    module,
    visited_at,
    visited_date,
    partition_date
from module_visits
