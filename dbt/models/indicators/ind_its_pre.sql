{#- ITS.PRE: appointments (预约) per institution and district (docs/indicators.md). -#}
{%- set appointments = ref('fct_appointments') -%}
{%- set periods = ['day', 'month', 'year'] -%}

{{ union_indicators([
    period_count(
        code='ITS.PRE.appointments_today', relation=appointments, date_column='created_date',
        grains=periods, per_institution=true,
    ),
    period_count(
        code='ITS.PRE.appointments_cumulative', relation=appointments, date_column='created_date',
        grains=['cumulative'], per_institution=true,
    ),
    period_ratio(
        code='ITS.PRE.appointment_rate', relation=ref('fct_registrations'), date_column='registered_date',
        where='not is_cancelled', numerator_where='is_from_appointment',
        grains=periods, per_institution=true,
    ),
    period_ratio(
        code='ITS.PRE.fulfilment_rate', relation=appointments, date_column='slot_date',
        where='not cancelled_in_time', numerator_where='is_fulfilled',
        grains=periods, per_institution=true,
    ),
    period_count(
        code='ITS.PRE.appointments_trend', relation=appointments, date_column='created_date',
        grains=['day', 'month'],
    ),
    period_count(
        code='ITS.PRE.appointments_by_institution', relation=appointments, date_column='created_date',
        grains=['day'], per_institution=true,
    ),
    period_count(
        code='ITS.PRE.appointments_ranking', relation=appointments, date_column='created_date',
        grains=periods, per_institution=true,
    ),
    period_count(
        code='ITS.PRE.appointments_detail', relation=ref('detail_appointments'), date_column='created_date',
        grains=['day'], per_institution=true,
    ),
]) }}
