{{ config(materialized='view') }}
{#- Registration detail rows for managers (ITS.REG.registrations_detail), cancelled (退号)
    included with their status; personal fields masked. -#}
with

registrations as (

    select * from {{ ref('fct_registrations') }}

),

institutions as (

    select * from {{ ref('dim_institutions') }}

)

select
    registrations.registration_key,
    registrations.institution_code,
    institutions.short_name as institution_name,
    registrations.registration_id,
    registrations.department_name,
    registrations.doctor_name,
    registrations.patient_name_masked,
    registrations.patient_phone_masked,
    registrations.patient_id_number_masked,
    registrations.gender,
    registrations.visit_type,
    registrations.registered_at,
    registrations.registered_date,
    registrations.appointment_id,
    registrations.fee_yuan,
    registrations.status,
    registrations.is_cancelled
from registrations
left join institutions
    on registrations.institution_code = institutions.institution_code
