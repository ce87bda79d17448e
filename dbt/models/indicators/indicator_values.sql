{#- Every foundation indicator value in one long table, the only place the big screen, the
    drill-down reports and the supervision API read figures from. -#}
with

themes as (

    select * from {{ ref('ind_pub_users') }}
    union all
    select * from {{ ref('ind_pub_active') }}
    union all
    select * from {{ ref('ind_its_pre') }}
    union all
    select * from {{ ref('ind_its_reg') }}

)

select
    indicator_code,
    grain,
    period_start,
    institution_code,
    dimension,
    member,
    value,
    numerator,
    denominator,
    cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as computed_at
from themes
