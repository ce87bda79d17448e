{{ config(materialized='view') }}
{#- Appointment detail rows for managers (ITS.PRE.appointments_detail): personal fields masked. -#}
with

appointments as (

    select * from {{ ref('fct_appointments') }}

),

institutions as (

    select * from {{ ref('dim_institutions') }}

)

select
    appointments.appointment_key,
    appointments.institution_code,
    institutions.short_name as institution_name,
    appointments.appointment_id,
    appointments.department_name,
    appointments.doctor_name,
    appointments.patient_name_masked,
    appointments.patient_phone_masked,
    appointments.patient_id_number_masked,
    appointments.gender,
    appointments.channel,
    appointments.created_at,
    appointments.created_date,
    appointments.slot_start_at,
    appointments.slot_date,
    appointments.status,
    appointments.is_cancelled,
    appointments.cancelled_at,
    appointments.is_fulfilled
from appointments
left join institutions
    on appointments.institution_code = institutions.institution_code
