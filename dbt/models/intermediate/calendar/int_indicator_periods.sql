{#- The periods every indicator is reported on (docs/indicators.md, "Periods"):
    day / month / year: every period overlapping [data_start, as_of], counting events dated
    from range_start to range_end (the period capped at as_of);
    cumulative: one row per day d of the window, counting all history up to d. -#}
with

data_window as (

    select * from {{ ref('int_data_window') }}

),

window_days as (

    {{ days_between('data_window', 'data_start', 'as_of') }}

),

days as (

    select
        window_days.date_day,
        cast({{ dbt.date_trunc('month', 'window_days.date_day') }} as date) as month_start,
        cast({{ dbt.date_trunc('year', 'window_days.date_day') }} as date) as year_start,
        data_window.as_of
    from window_days
    cross join data_window

),

periods as (

    select distinct
        'day' as grain,
        date_day as period_start,
        date_day as range_start,
        date_day as range_end
    from days

    union all

    select distinct
        'month' as grain,
        month_start as period_start,
        month_start as range_start,
        least({{ dbt.last_day('month_start', 'month') }}, as_of) as range_end
    from days

    union all

    select distinct
        'year' as grain,
        year_start as period_start,
        year_start as range_start,
        least({{ dbt.last_day('year_start', 'year') }}, as_of) as range_end
    from days

    union all

    -- all history delivered, also before data_start
    select distinct
        'cumulative' as grain,
        date_day as period_start,
        cast('1900-01-01' as date) as range_start,
        date_day as range_end
    from days

)

select * from periods
