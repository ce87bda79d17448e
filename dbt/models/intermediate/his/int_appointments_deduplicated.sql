{#- The current state of each appointment: its latest version (late corrections replace earlier
    versions, duplicates count once). -#}
with

latest as (

    {{ latest_version(ref('int_appointments_unioned'), ['institution_code', 'appointment_id']) }}

)

select * from latest
