{#- A calendar from the first of January of the earliest activity (or data_start) to the end
    of the as_of year, with weekends and Chinese public holidays (seed cn_public_holidays: the
    State Council's schedule, including the adjusted working weekends, 调休). -#}
with

data_window as (

    select * from {{ ref('int_data_window') }}

),

activity as (

    select min(created_date) as first_date from {{ ref('int_appointments_deduplicated') }}
    union all
    select min(registered_date) from {{ ref('int_registrations_deduplicated') }}
    union all
    select min(registered_date) from {{ ref('int_wechat_users_deduplicated') }}
    union all
    select min(opened_date) from {{ ref('int_app_opens_deduplicated') }}
    union all
    select min(visited_date) from {{ ref('int_module_visits_deduplicated') }}

),

bounds as (

    select
        cast({{ dbt.date_trunc('year', 'least(data_window.data_start, coalesce(first_activity.first_date, data_window.data_start))') }} as date) as calendar_start,
        {{ dbt.last_day('data_window.as_of', 'year') }} as calendar_end
    from data_window
    cross join (select min(first_date) as first_date from activity) as first_activity

),

days as (

    {{ days_between('bounds', 'calendar_start', 'calendar_end') }}

),

holidays as (

    select * from {{ ref('cn_public_holidays') }}

),

calendar as (

    select
        days.date_day,
        cast({{ dbt.date_trunc('week', 'days.date_day') }} as date) as week_start,
        cast({{ dbt.date_trunc('month', 'days.date_day') }} as date) as month_start,
        cast({{ dbt.date_trunc('quarter', 'days.date_day') }} as date) as quarter_start,
        cast({{ dbt.date_trunc('year', 'days.date_day') }} as date) as year_start,
        cast(extract(year from days.date_day) as integer) as year_number,
        cast(extract(month from days.date_day) as integer) as month_number,
        cast(extract(isodow from days.date_day) as integer) as iso_day_of_week,
        extract(isodow from days.date_day) in (6, 7) as is_weekend,
        holidays.holiday_name,
        coalesce(holidays.is_day_off, false) as is_public_holiday,
        coalesce(not holidays.is_day_off, false) as is_adjusted_workday,
        days.date_day between data_window.data_start and data_window.as_of as is_in_data_window
    from days
    cross join data_window
    left join holidays
        on days.date_day = holidays.calendar_date

)

select
    *,
    -- a working day: a weekday that is not a public holiday, or an adjusted working weekend
    (not is_weekend and not is_public_holiday) or is_adjusted_workday as is_workday
from calendar
