{#- Every (code, grain, row kind) that indicators.yaml asks for (seed indicator_expectations:
    blank dimension = the district total row, 'institution' = per-institution rows, else a
    breakdown dimension) has at least one row in indicators.indicator_values. -#}
with

expected as (

    select indicator_code, grain, coalesce(dimension, '') as dimension
    from {{ ref('indicator_expectations') }}

),

present as (

    select distinct
        indicator_code,
        grain,
        case
            when institution_code is not null then 'institution'
            else coalesce(dimension, '')
        end as dimension
    from {{ ref('indicator_values') }}

)

select expected.*
from expected
left join present
    on expected.indicator_code = present.indicator_code
    and expected.grain = present.grain
    and expected.dimension = present.dimension
where present.indicator_code is null
