{#- The district's 26 institutions (seed). -#}
with

institutions as (

    select * from {{ ref('institutions') }}

)

select
    institution_code,
    institution_name,
    short_name,
    institution_type,
    has_inpatient,
    his_vendor
from institutions
