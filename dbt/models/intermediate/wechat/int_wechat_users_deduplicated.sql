{#- The current state of each 健康静安 user: the latest version per user_id. -#}
with

latest as (

    {{ latest_version(ref('stg_wechat__users'), ['user_id']) }}

)

select * from latest
