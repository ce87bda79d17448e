{#- indicator_values holds nothing indicators.yaml does not ask for (no invented code, grain or
    breakdown), so the screen never shows a figure without a definition. -#}
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

select present.*
from present
left join expected
    on present.indicator_code = expected.indicator_code
    and present.grain = expected.grain
    and present.dimension = expected.dimension
where expected.indicator_code is null
