{#- One row per app-open event (a re-sent event counts once). -#}
with

latest as (

    {{ latest_version(ref('stg_wechat__app_opens'), ['event_id']) }}

)

select * from latest
