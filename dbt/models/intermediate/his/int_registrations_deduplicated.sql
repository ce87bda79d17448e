{#- The current state of each registration: its latest version (late corrections replace earlier
    versions, duplicates count once). -#}
with

latest as (

    {{ latest_version(ref('int_registrations_unioned'), ['institution_code', 'registration_id']) }}

)

select * from latest
