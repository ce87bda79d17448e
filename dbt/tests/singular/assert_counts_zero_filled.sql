{#- Counts are zero-filled: every count code has a row for every period of its grain, and a
    per-institution code one per institution of the seed besides the district row. (Ratios
    are excluded: they have rows only where the denominator is above 0.) -#}
with

periods as (

    select grain, count(*) as periods
    from {{ ref('int_indicator_periods') }}
    group by grain

),

institutions as (

    select count(*) as institutions from {{ ref('dim_institutions') }}

),

per_code as (

    select
        indicator_code,
        grain,
        count(distinct period_start) as periods_present,
        count(distinct institution_code) as institutions_present,
        max(case when institution_code is not null then 1 else 0 end) as is_per_institution
    from {{ ref('indicator_values') }}
    where denominator is null
        and dimension is null
    group by indicator_code, grain

)

select per_code.*, periods.periods, institutions.institutions
from per_code
inner join periods
    on per_code.grain = periods.grain
cross join institutions
where per_code.periods_present <> periods.periods
    or (per_code.is_per_institution = 1 and per_code.institutions_present <> institutions.institutions)
