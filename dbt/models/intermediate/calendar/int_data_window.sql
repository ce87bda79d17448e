{#- The data window of docs/indicators.md: data_start = the earliest landed partition_date,
    as_of = the latest one, over every landed entity (one row). -#}
with

landed as (

    select partition_date from {{ ref('int_appointments_unioned') }}
    union all
    select partition_date from {{ ref('int_registrations_unioned') }}
    union all
    select partition_date from {{ ref('stg_wechat__users') }}
    union all
    select partition_date from {{ ref('stg_wechat__app_opens') }}
    union all
    select partition_date from {{ ref('stg_wechat__module_visits') }}

),

data_window as (

    select
        min(partition_date) as data_start,
        max(partition_date) as as_of
    from landed

)

select * from data_window
