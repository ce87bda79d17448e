{#- One row per module-visit event (a re-sent event counts once). -#}
with

latest as (

    {{ latest_version(ref('stg_wechat__module_visits'), ['event_id']) }}

)

select * from latest
